/* The report page's stylesheet and script (src/report.css, src/report.js), embedded at build
 * time by analyze/embed.cmake. */
#ifndef NVT_ANALYZE_REPORT_ASSETS_H
#define NVT_ANALYZE_REPORT_ASSETS_H

extern const char report_css[];
extern const char report_js[];

#endif
