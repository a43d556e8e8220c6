/* NVMe name tables (format/src/nvme_names.c): every table sorted by value with no duplicates,
 * well-formed names, lookups that find every entry, and spot values checked against the NVMe
 * Base Specification 2.0 and the NVM Command Set Specification 1.0. */
#include <ctype.h>

#include "nvmetrace/nvme.h"
#include "nvmetrace/schema.h"
#include "test.h"

static const struct table {
    const char *what;
    const struct nvt_name *t;
    uint32_t max; /* largest value that fits the field the table names */
} tables[] = {
    {"admin opcodes", nvt_admin_opcodes, 0xff},
    {"I/O opcodes", nvt_io_opcodes, 0xff},
    {"status codes", nvt_status_codes, 0x7ff},
    {"status code types", nvt_status_types, 7},
    {"features", nvt_features, 0xff},
    {"log pages", nvt_log_pages, 0xff},
    {"identify CNS", nvt_identify_cns, 0xff},
    {"registers", nvt_registers, 0xfff},
    {"controller states", nvt_ctrl_states, NVT_STATE_MAX},
};

static size_t count(const struct nvt_name *t)
{
    size_t n = 0;
    while (t[n].name)
        n++;
    return n;
}

/* Problems in a table: values not strictly increasing (unsorted or duplicate), a missing
 * {0, NULL} end, values too large for the field, names that are empty, unprintable or with
 * leading/trailing blanks, a name used twice (except for status codes, where the command sets
 * may legitimately reuse a name), and lookups that miss an entry or find a gap. */
static int table_errors(const struct table *tb, int quiet)
{
    const struct nvt_name *t = tb->t;
    size_t n = count(t);
    int errors = 0;
#define PROBLEM(...) do { errors++; if (!quiet) fprintf(stderr, __VA_ARGS__); } while (0)
    if (n == 0)
        PROBLEM("%s: empty\n", tb->what);
    if (t[n].value != 0)
        PROBLEM("%s: end is not {0, NULL}\n", tb->what);
    for (size_t i = 0; i < n; i++) {
        const char *s = t[i].name;
        size_t len = strlen(s);
        int ok = len > 0 && !isspace((unsigned char)s[0]) && !isspace((unsigned char)s[len - 1]);
        for (size_t k = 0; k < len; k++)
            ok = ok && isprint((unsigned char)s[k]);
        if (!ok)
            PROBLEM("%s: bad name \"%s\" for 0x%x\n", tb->what, s, t[i].value);
        if (t[i].value > tb->max)
            PROBLEM("%s: 0x%x does not fit the field\n", tb->what, t[i].value);
        if (i > 0 && !(t[i - 1].value < t[i].value))
            PROBLEM("%s: 0x%x after 0x%x (not sorted, or a duplicate)\n", tb->what, t[i].value,
                    t[i - 1].value);
        for (size_t j = 0; j < i; j++)
            if (strcmp(t[j].name, s) == 0 && t != nvt_status_codes)
                PROBLEM("%s: \"%s\" used twice\n", tb->what, s);
        if (nvt_name_lookup(t, t[i].value) != s)
            PROBLEM("%s: lookup of 0x%x misses \"%s\"\n", tb->what, t[i].value, s);
        uint32_t next = t[i].value + 1;
        if (next <= tb->max && (i + 1 == n || t[i + 1].value != next) &&
            nvt_name_lookup(t, next) != NULL)
            PROBLEM("%s: lookup of 0x%x finds a name in a gap\n", tb->what, next);
    }
#undef PROBLEM
    return errors;
}

static void test_tables(void)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        CHECK_EQ_U64(table_errors(&tables[i], 0), 0);
    CHECK(nvt_name_lookup(NULL, 0) == NULL);

    /* the checker catches what it is there to catch */
    static const struct nvt_name unsorted[] = {{2, "b"}, {1, "a"}, {0, NULL}};
    static const struct nvt_name dup[] = {{1, "a"}, {1, "b"}, {0, NULL}};
    static const struct nvt_name twice[] = {{1, "a"}, {2, "a"}, {0, NULL}};
    static const struct nvt_name blank[] = {{1, "a "}, {0, NULL}};
    static const struct nvt_name big[] = {{0x100, "a"}, {0, NULL}};
    const struct table bad[] = {{"unsorted", unsorted, 0xff}, {"dup", dup, 0xff},
                                {"twice", twice, 0xff},       {"blank", blank, 0xff},
                                {"big", big, 0xff}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(table_errors(&bad[i], 1) > 0);
}

static void test_admin_opcodes(void)
{
    static const struct nvt_name want[] = {
        {0x00, "Delete I/O Submission Queue"}, {0x01, "Create I/O Submission Queue"},
        {0x02, "Get Log Page"},                {0x04, "Delete I/O Completion Queue"},
        {0x05, "Create I/O Completion Queue"}, {0x06, "Identify"},
        {0x08, "Abort"},                       {0x09, "Set Features"},
        {0x0a, "Get Features"},                {0x0c, "Asynchronous Event Request"},
        {0x0d, "Namespace Management"},        {0x10, "Firmware Commit"},
        {0x11, "Firmware Image Download"},     {0x14, "Device Self-test"},
        {0x15, "Namespace Attachment"},        {0x18, "Keep Alive"},
        {0x19, "Directive Send"},              {0x1a, "Directive Receive"},
        {0x1c, "Virtualization Management"},   {0x1d, "NVMe-MI Send"},
        {0x1e, "NVMe-MI Receive"},             {0x20, "Capacity Management"},
        {0x24, "Lockdown"},                    {0x7c, "Doorbell Buffer Config"},
        {0x7f, "Fabrics Commands"},            {0x80, "Format NVM"},
        {0x81, "Security Send"},               {0x82, "Security Receive"},
        {0x84, "Sanitize"},                    {0x86, "Get LBA Status"},
        {0, NULL}};
    for (const struct nvt_name *w = want; w->name; w++)
        CHECK_STR(nvt_admin_opcode_name((uint8_t)w->value), w->name);
    /* reserved and vendor specific opcodes have no name */
    CHECK(nvt_admin_opcode_name(0x03) == NULL);
    CHECK(nvt_admin_opcode_name(0x07) == NULL);
    CHECK(nvt_admin_opcode_name(0x83) == NULL);
    CHECK(nvt_admin_opcode_name(0xc0) == NULL);
    CHECK(nvt_admin_opcode_name(0xff) == NULL);
}

static void test_io_opcodes(void)
{
    static const struct nvt_name want[] = {
        {0x00, "Flush"},                {0x01, "Write"},
        {0x02, "Read"},                 {0x04, "Write Uncorrectable"},
        {0x05, "Compare"},              {0x08, "Write Zeroes"},
        {0x09, "Dataset Management"},   {0x0c, "Verify"},
        {0x0d, "Reservation Register"}, {0x0e, "Reservation Report"},
        {0x11, "Reservation Acquire"},  {0x15, "Reservation Release"},
        {0x19, "Copy"},                 {0x79, "Zone Management Send"},
        {0x7a, "Zone Management Receive"}, {0x7d, "Zone Append"},
        {0, NULL}};
    for (const struct nvt_name *w = want; w->name; w++)
        CHECK_STR(nvt_io_opcode_name((uint8_t)w->value), w->name);
    CHECK_EQ_U64(count(nvt_io_opcodes), count(want));
    CHECK(nvt_io_opcode_name(0x03) == NULL);
    CHECK(nvt_io_opcode_name(0x06) == NULL); /* Admin: Identify, not an I/O opcode */
    CHECK(nvt_io_opcode_name(0x80) == NULL);
}

static void test_status(void)
{
    /* generic */
    CHECK_STR(nvt_status_name(0, 0x00), "Successful Completion");
    CHECK_STR(nvt_status_name(0, 0x01), "Invalid Command Opcode");
    CHECK_STR(nvt_status_name(0, 0x02), "Invalid Field in Command");
    CHECK_STR(nvt_status_name(0, 0x03), "Command ID Conflict");
    CHECK_STR(nvt_status_name(0, 0x08), "Command Aborted due to SQ Deletion");
    CHECK_STR(nvt_status_name(0, 0x0b), "Invalid Namespace or Format");
    CHECK_STR(nvt_status_name(0, 0x13), "PRP Offset Invalid");
    CHECK_STR(nvt_status_name(0, 0x1d), "Sanitize In Progress");
    CHECK_STR(nvt_status_name(0, 0x24), "Admin Command Media Not Ready");
    CHECK(nvt_status_name(0, 0x17) == NULL); /* reserved */
    CHECK(nvt_status_name(0, 0x25) == NULL);
    /* generic, NVM command set */
    CHECK_STR(nvt_status_name(0, 0x80), "LBA Out of Range");
    CHECK_STR(nvt_status_name(0, 0x81), "Capacity Exceeded");
    CHECK_STR(nvt_status_name(0, 0x82), "Namespace Not Ready");
    CHECK_STR(nvt_status_name(0, 0x83), "Reservation Conflict");
    CHECK_STR(nvt_status_name(0, 0x84), "Format In Progress");
    /* command specific */
    CHECK_STR(nvt_status_name(1, 0x00), "Completion Queue Invalid");
    CHECK_STR(nvt_status_name(1, 0x01), "Invalid Queue Identifier");
    CHECK_STR(nvt_status_name(1, 0x02), "Invalid Queue Size");
    CHECK_STR(nvt_status_name(1, 0x03), "Abort Command Limit Exceeded");
    CHECK(nvt_status_name(1, 0x04) == NULL); /* reserved since 1.1 */
    CHECK_STR(nvt_status_name(1, 0x05), "Asynchronous Event Request Limit Exceeded");
    CHECK_STR(nvt_status_name(1, 0x06), "Invalid Firmware Slot");
    CHECK_STR(nvt_status_name(1, 0x08), "Invalid Interrupt Vector");
    CHECK_STR(nvt_status_name(1, 0x09), "Invalid Log Page");
    CHECK_STR(nvt_status_name(1, 0x0a), "Invalid Format");
    CHECK_STR(nvt_status_name(1, 0x0c), "Invalid Queue Deletion");
    CHECK_STR(nvt_status_name(1, 0x0d), "Feature Identifier Not Saveable");
    CHECK_STR(nvt_status_name(1, 0x1d), "Device Self-test In Progress");
    CHECK(nvt_status_name(1, 0x17) == NULL);
    /* command specific, NVM command set */
    CHECK_STR(nvt_status_name(1, 0x80), "Conflicting Attributes");
    CHECK_STR(nvt_status_name(1, 0x81), "Invalid Protection Information");
    CHECK_STR(nvt_status_name(1, 0x82), "Attempted Write to Read Only Range");
    /* media and data integrity */
    CHECK_STR(nvt_status_name(2, 0x80), "Write Fault");
    CHECK_STR(nvt_status_name(2, 0x81), "Unrecovered Read Error");
    CHECK_STR(nvt_status_name(2, 0x82), "End-to-end Guard Check Error");
    CHECK_STR(nvt_status_name(2, 0x83), "End-to-end Application Tag Check Error");
    CHECK_STR(nvt_status_name(2, 0x84), "End-to-end Reference Tag Check Error");
    CHECK_STR(nvt_status_name(2, 0x85), "Compare Failure");
    CHECK_STR(nvt_status_name(2, 0x86), "Access Denied");
    CHECK_STR(nvt_status_name(2, 0x87), "Deallocated or Unwritten Logical Block");
    CHECK(nvt_status_name(2, 0x00) == NULL);
    /* path related */
    CHECK_STR(nvt_status_name(3, 0x00), "Internal Path Error");
    CHECK_STR(nvt_status_name(3, 0x03), "Asymmetric Access Transition");
    CHECK_STR(nvt_status_name(3, 0x71), "Command Aborted By Host");
    /* SCT is 3 bits: larger values are not status code types */
    CHECK(nvt_status_name(7, 0x00) == NULL);
    CHECK(nvt_status_name(8, 0x00) == NULL);
    CHECK(nvt_status_name(0x10, 0x02) == NULL);

    CHECK_STR(nvt_name_lookup(nvt_status_types, 0), "Generic Command Status");
    CHECK_STR(nvt_name_lookup(nvt_status_types, 1), "Command Specific Status");
    CHECK_STR(nvt_name_lookup(nvt_status_types, 2), "Media and Data Integrity Errors");
    CHECK_STR(nvt_name_lookup(nvt_status_types, 3), "Path Related Status");
    CHECK_STR(nvt_name_lookup(nvt_status_types, 7), "Vendor Specific");
    CHECK(nvt_name_lookup(nvt_status_types, 4) == NULL);
    /* every status code's SCT is a defined type */
    for (const struct nvt_name *s = nvt_status_codes; s->name; s++)
        CHECK(nvt_name_lookup(nvt_status_types, s->value >> 8) != NULL);
}

/* Spot values: the tables themselves are the list; these pin what the spec says. */
static void test_features(void)
{
    CHECK_STR(nvt_feature_name(0x01), "Arbitration");
    CHECK_STR(nvt_feature_name(0x02), "Power Management");
    CHECK_STR(nvt_feature_name(0x04), "Temperature Threshold");
    CHECK_STR(nvt_feature_name(0x06), "Volatile Write Cache");
    CHECK_STR(nvt_feature_name(0x07), "Number of Queues");
    CHECK_STR(nvt_feature_name(0x08), "Interrupt Coalescing");
    CHECK_STR(nvt_feature_name(0x0a), "Write Atomicity Normal");
    CHECK_STR(nvt_feature_name(0x0b), "Asynchronous Event Configuration");
    CHECK_STR(nvt_feature_name(0x0d), "Host Memory Buffer");
    CHECK_STR(nvt_feature_name(0x0f), "Keep Alive Timer");
    CHECK_STR(nvt_feature_name(0x16), "Host Behavior Support");
    CHECK_STR(nvt_feature_name(0x17), "Sanitize Config");
    CHECK_STR(nvt_feature_name(0x80), "Software Progress Marker");
    CHECK_STR(nvt_feature_name(0x81), "Host Identifier");
    CHECK_STR(nvt_feature_name(0x84), "Namespace Write Protection Config");
    /* Base 2.1 FIDs a current nvme-cli sends */
    CHECK_STR(nvt_feature_name(0x1b), "Power Loss Signaling Config");
    CHECK_STR(nvt_feature_name(0x1c), "Performance Characteristics");
    CHECK_STR(nvt_feature_name(0x1f), "Namespace Admin Label");
    CHECK_STR(nvt_feature_name(0x20), "Key Value Configuration");
    CHECK_STR(nvt_feature_name(0x85), "Boot Partition Write Protection Config");
    CHECK(nvt_feature_name(0x00) == NULL);
    CHECK(nvt_feature_name(0xc0) == NULL); /* vendor specific */
}

static void test_log_pages(void)
{
    CHECK_STR(nvt_log_page_name(0x00), "Supported Log Pages");
    CHECK_STR(nvt_log_page_name(0x01), "Error Information");
    CHECK_STR(nvt_log_page_name(0x02), "SMART / Health Information");
    CHECK_STR(nvt_log_page_name(0x03), "Firmware Slot Information");
    CHECK_STR(nvt_log_page_name(0x05), "Commands Supported and Effects");
    CHECK_STR(nvt_log_page_name(0x07), "Telemetry Host-Initiated");
    CHECK_STR(nvt_log_page_name(0x0c), "Asymmetric Namespace Access");
    CHECK_STR(nvt_log_page_name(0x0d), "Persistent Event Log");
    CHECK_STR(nvt_log_page_name(0x12), "Feature Identifiers Supported and Effects");
    CHECK_STR(nvt_log_page_name(0x15), "Boot Partition");
    CHECK_STR(nvt_log_page_name(0x70), "Discovery");
    CHECK_STR(nvt_log_page_name(0x80), "Reservation Notification");
    CHECK_STR(nvt_log_page_name(0x81), "Sanitize Status");
    CHECK(nvt_log_page_name(0x17) == NULL);
    CHECK(nvt_log_page_name(0xc0) == NULL);
}

static void test_cns(void)
{
    CHECK_STR(nvt_cns_name(0x00), "Identify Namespace");
    CHECK_STR(nvt_cns_name(0x01), "Identify Controller");
    CHECK_STR(nvt_cns_name(0x02), "Active Namespace ID list");
    CHECK_STR(nvt_cns_name(0x03), "Namespace Identification Descriptor list");
    CHECK_STR(nvt_cns_name(0x04), "NVM Set List");
    CHECK_STR(nvt_cns_name(0x05), "I/O Command Set specific Identify Namespace");
    CHECK_STR(nvt_cns_name(0x06), "I/O Command Set specific Identify Controller");
    CHECK_STR(nvt_cns_name(0x10), "Allocated Namespace ID list");
    CHECK_STR(nvt_cns_name(0x13), "Controller list");
    CHECK_STR(nvt_cns_name(0x17), "UUID List");
    CHECK_STR(nvt_cns_name(0x1c), "I/O Command Set data structure");
    CHECK_STR(nvt_cns_name(0x09), "Identify Namespace for the specified Format Index");
    CHECK(nvt_cns_name(0x0b) == NULL);
    CHECK(nvt_cns_name(0x0f) == NULL);
    CHECK(nvt_cns_name(0xff) == NULL);
}

static void test_registers(void)
{
    static const struct nvt_name want[] = {
        {NVME_REG_CAP, "CAP"},       {NVME_REG_VS, "VS"},         {NVME_REG_INTMS, "INTMS"},
        {NVME_REG_INTMC, "INTMC"},   {NVME_REG_CC, "CC"},         {NVME_REG_CSTS, "CSTS"},
        {NVME_REG_NSSR, "NSSR"},     {NVME_REG_AQA, "AQA"},       {NVME_REG_ASQ, "ASQ"},
        {NVME_REG_ACQ, "ACQ"},       {NVME_REG_CMBLOC, "CMBLOC"}, {NVME_REG_CMBSZ, "CMBSZ"},
        {0x40, "BPINFO"},            {0x44, "BPRSEL"},            {0x48, "BPMBL"},
        {0x50, "CMBMSC"},            {0x58, "CMBSTS"},            {0x5c, "CMBEBS"},
        {0x60, "CMBSWTP"},           {0x64, "NSSD"},              {0x68, "CRTO"},
        {0xe00, "PMRCAP"},           {0xe04, "PMRCTL"},           {0xe08, "PMRSTS"},
        {0xe0c, "PMREBS"},           {0xe10, "PMRSWTP"},          {0xe14, "PMRMSCL"},
        {0xe18, "PMRMSCU"},          {0, NULL}};
    for (const struct nvt_name *w = want; w->name; w++)
        CHECK_STR(nvt_register_name(w->value), w->name);
    CHECK_EQ_U64(count(nvt_registers), count(want));
    /* high halves of 64-bit registers, reserved space and doorbells have no name */
    CHECK(nvt_register_name(0x04) == NULL);
    CHECK(nvt_register_name(0x2c) == NULL);
    CHECK(nvt_register_name(0x18) == NULL);
    CHECK(nvt_register_name(NVME_REG_DBS) == NULL);
    CHECK(nvt_register_name(NVME_REG_DBS + 4) == NULL);
}

static void test_states(void)
{
    CHECK_EQ_U64(count(nvt_ctrl_states), NVT_STATE_MAX);
    for (unsigned s = 1; s <= NVT_STATE_MAX; s++)
        CHECK(nvt_name_lookup(nvt_ctrl_states, s) != NULL);
    CHECK_STR(nvt_name_lookup(nvt_ctrl_states, NVT_STATE_RESET), "reset");
    CHECK_STR(nvt_name_lookup(nvt_ctrl_states, NVT_STATE_ENABLE), "enable");
    CHECK_STR(nvt_name_lookup(nvt_ctrl_states, NVT_STATE_READY), "ready");
    CHECK_STR(nvt_name_lookup(nvt_ctrl_states, NVT_STATE_SHUTDOWN_DONE), "shutdown-done");
    CHECK(nvt_name_lookup(nvt_ctrl_states, 0) == NULL);
    CHECK(nvt_name_lookup(nvt_ctrl_states, NVT_STATE_MAX + 1) == NULL);
}

int main(void)
{
    test_tables();
    test_admin_opcodes();
    test_io_opcodes();
    test_status();
    test_features();
    test_log_pages();
    test_cns();
    test_registers();
    test_states();
    TEST_DONE();
}
