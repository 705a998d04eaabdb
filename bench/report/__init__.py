"""The PDF compliance report of a run: cover with the verdict, KPI tables, plots, events, trend, appendix.

Why: the run directory holds the data; the report is the document a timing engineer hands to a
customer or an auditor. ``build_report(run_dir)`` is a pure function of the stored data (and the run
history), so ``bench report`` rebuilds exactly what ``bench run`` wrote.
"""

from bench.report.builder import REPORT_FILE, ReportInfo, build_report, build_report_info
from bench.report.errors import ReportError

__all__ = ["REPORT_FILE", "ReportError", "ReportInfo", "build_report", "build_report_info"]
