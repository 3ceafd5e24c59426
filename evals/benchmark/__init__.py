"""The parts of the benchmark run by ``evals/bench.py`` (see its docstring)."""
