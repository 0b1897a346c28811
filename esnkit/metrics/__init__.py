"""Metrics: pure functions, tidy DataFrame in, new tidy DataFrame out, no plotting and no I/O.

One topic per module: :mod:`.adoption`, :mod:`.participation`, :mod:`.conversations`,
:mod:`.communities`, :mod:`.network`, :mod:`.successes`, :mod:`.voice`, :mod:`.benchmarks`.
"""
