/* Named scenarios: one failing and one passing trace per lint rule, plus the diff pairs. */
#ifndef NVT_TEST_CASES_H
#define NVT_TEST_CASES_H

#include "scenario.h"

struct lint_case {
    const char *rule;        /* the rule the failing trace must trigger */
    void (*fail)(struct scen *s);
    void (*pass)(struct scen *s); /* NULL: the default session */
    const char *also;        /* other rules the failing trace may trigger ("" if none) */
};

extern const struct lint_case lint_cases[];
extern const unsigned n_lint_cases;

/* Fills s for a case name: "clean", "RULE.fail", "RULE.pass", "diff-a", "diff-b",
 * "no-commands", "no-device", "import-warnings", "qemu-9.1", "qemu-9.1-import", "qemu-10.0",
 * "vendor-opcode", "long-comment".
 * Returns 0, or -1 if the name is unknown. */
int case_scenario(const char *name, struct scen *s);

#endif
