"""Use cases: one module per use case, each a function from a serialisable request
(a frozen dataclass of plain data: paths, strings, numbers) to a result object.

============  ===============================  ====================================
module        function(request)                result
============  ===============================  ====================================
backtest      ``backtest(BacktestRequest)``    :class:`~rebal.services.backtest.BacktestRun`
compare       ``compare(CompareRequest)``      :class:`~rebal.services.compare.CompareRun`
sweep         ``sweep(SweepRequest)``          :class:`~rebal.services.sweep.SweepRun`
plan          ``plan(PlanRequest)``            :class:`~rebal.services.plan.PlanRun`
check         ``check(CheckRequest)``          :class:`rebal.planner.CheckResult`
tax           ``estimate(EstimateRequest)``    :class:`rebal.tax.TaxBreakdown`
tax           ``audit(AuditRequest)``          :class:`rebal.tax.ledger.AuditResult`
demo          ``demo(DemoRequest)``            :class:`~rebal.services.demo.DemoRun`
============  ===============================  ====================================

The CLI (and later the web app) calls only these. Each module also has a variant
taking loaded objects (``backtest_market``, ``compare_study``, ``sweep_study``,
``plan_household``) for the Python API (:mod:`rebal.api`). Results print through
``to_dict()`` (the ``--json`` documents) and round-trip exactly through
:mod:`rebal.services.codec`. Many independent jobs run through an
:class:`~rebal.services.executor.Executor`.

Modules are imported on use, so importing this package is cheap.
"""
