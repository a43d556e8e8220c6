/* docs/sql.md stays true: every ```sql block runs against the index of the "clean" scenario
 * and its output must equal the ```text block that follows (sqlite3 list mode). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/test.h"
#include "cases.h"
#include "nvmetrace/analyze.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

/* The body of the next fenced block that starts with fence (e.g. "```sql\n") at or after
 * *p, NUL-terminated in place; NULL if none. */
static char *block(char **p, const char *fence)
{
    char *start = strstr(*p, fence);
    if (!start)
        return NULL;
    start += strlen(fence);
    char *end = strstr(start, "```");
    if (!end)
        return NULL;
    *end = 0;
    *p = end + 3;
    return start;
}

static void run_query(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *s;
    size_t n = 0;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(out, cap, "error: %s\n", sqlite3_errmsg(db));
        return;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(s); c++) {
            const unsigned char *t = sqlite3_column_text(s, c);
            n += (size_t)snprintf(out + n, cap - n, "%s%s", c ? "|" : "", t ? (const char *)t : "");
        }
        n += (size_t)snprintf(out + n, cap - n, "\n");
    }
    sqlite3_finalize(s);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_sql_doc docs/sql.md WORKDIR\n");
        return 2;
    }
    char *doc = slurp(argv[1]);
    CHECK(doc != NULL);
    if (!doc)
        TEST_DONE();
    char trace[512], dbpath[512];
    snprintf(trace, sizeof trace, "%s/session.pcapng", argv[2]);
    snprintf(dbpath, sizeof dbpath, "%s/session.db", argv[2]);
    struct scen s;
    nvt_error err;
    CHECK(case_scenario("clean", &s) == 0);
    CHECK(scen_write(trace, &s, &err) == 0);
    sqlite3 *db;
    CHECK(nvt_index_build(trace, dbpath, NULL, &db, NULL, &err) == 0);
    char *p = doc, *sql;
    int queries = 0;
    static char got[65536];
    while ((sql = block(&p, "```sql\n")) != NULL) {
        char *want = block(&p, "```text\n");
        CHECK(want != NULL);
        if (!want)
            break;
        run_query(db, sql, got, sizeof got);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "query:\n%s\nwanted:\n%sgot:\n%s\n", sql, want, got);
        CHECK_STR(got, want);
        queries++;
    }
    CHECK(queries >= 10);
    printf("%d queries checked\n", queries);
    nvt_db_close(db);
    free(doc);
    TEST_DONE();
}
