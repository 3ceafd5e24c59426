"""What the benchmark asks: the warm-up, measured and cold-start questions, and the filter."""

from __future__ import annotations

COLD_QUESTION = "how was Pfefferwerk funded?"
WORKER_MARK = "BENCH-JSON "

# Asked once each to warm the model, the index and the caches; never measured.
WARMUP_QUESTIONS = (
    "what is a social economy cluster?",
    "which clusters does the REVES presentation describe?",
    "what is on the wish list?",
)
# Measured questions: distinct (the retriever caches embeddings by text), across all cases.
QUESTIONS = (
    "who launched Pfefferwerk?",
    "what are the objectives of the Pfefferwerk project?",
    "what did Pfefferwerk create?",
    "where is the Pfefferwerk Foundation based?",
    "which type of cluster is Pfefferwerk?",
    "what was the capital of the Pfefferwerk Foundation?",
    "what programmes does Coopcity run?",
    "who are the partners of Coopcity?",
    "what is the SEEDS programme for?",
    "which organisation does Coopcity cooperate with?",
    "what is the objective of Coopcity?",
    "in which region does Coopcity promote cooperative entrepreneurship?",
    "who set up REALIS?",
    "what does REALIS combine?",
    "what is the objective of REALIS?",
    "in which region is REALIS?",
    "which social economy organisations cooperate in REALIS?",
    "does REALIS include a management school?",
    "who is involved in Fondazione Horcynus Orca?",
    "what did Horcynus Orca create?",
    "what is the objective of Fondazione Horcynus Orca?",
    "which universities take part in Horcynus Orca?",
    "where is Horcynus Orca located?",
    "what festival did Horcynus Orca create?",
    "how many structures does Impuls Cooperatiu de Sants involve?",
    "what activities does Impuls Cooperatiu de Sants carry out?",
    "what is Coòpolis?",
    "what is the objective of Impuls Cooperatiu de Sants?",
    "which fields do the structures of Impuls Cooperatiu work in?",
    "in which city is Impuls Cooperatiu de Sants?",
    "which clusters were promoted by public authorities?",
    "which clusters came from citizen initiatives?",
    "what role do regions play in scaling up social economy?",
    "which clusters are in Italy or Germany?",
    "what kinds of cluster processes does the presentation distinguish?",
    "how do social economy clusters create jobs?",
    "which cluster works with art and culture?",
    "what is the European Day of Social Economy Enterprises?",
    "which cases are of type II?",
    "how is social cohesion promoted in Messina?",
)
QUICK_QUESTIONS = 8
# A filter that keeps thousands of chunks at 100,000 (the generated corpora's Markdown files
# carry a country; Italy is one of twelve); asked with the first FILTERED_QUESTIONS questions.
FILTER = {"country": "Italy"}
FILTERED_QUESTIONS = 10
