"""Every number the extractive answerer weighs with, in one place. All were calibrated on the
dev split (evals/questions.yaml) over corpus/ and the seed's .txt/.pptx/.pdf renditions, never
on the test split (evals/questions-test.yaml). Scores are cosines of all-MiniLM-L6-v2
(float32) plus the bonuses below; a unit's *evidence* is how well it answers, its *score*
adds retrieval rank and subject focus."""

from __future__ import annotations

# ---- does the material answer? (evidence of the best chosen unit) --------------------------
# Below MIN_SEMANTIC a unit is unrelated (dev: weather 0.35, Python 0.25; lowest answerable
# 0.37). A question whose head noun ("the mayor of ...") the material never uses is refused
# whatever the score (no dev question needs otherwise).
MIN_SEMANTIC = 0.36
# A question most of whose (idf-weighted) content words the material never uses is refused
# unless its best unit is this close (plain cosine): paraphrase is close, "What do X eat for
# breakfast?" is not.
MOSTLY_UNKNOWN_SHARE = 0.7
MOSTLY_UNKNOWN_COSINE = 0.45

# "What does ACME stand for?": the full name's initials hold this share of ACME's letters
# ("European Network of Cities and Regions for the Social Economy (REVES)": R, E, S of R, E, V, S)
ACRONYM_INITIALS = 0.6

# "How many X?": a figure counts X when X follows it within this many words ("20 social
# economy structures")
COUNTED_WINDOW = 4

# ---- evidence of a unit ------------------------------------------------------------------
OVERLAP_WEIGHT = 0.35  # x the idf-weighted share of question terms the unit holds
SYNONYM_WEIGHT = 0.5  # a term found only as a synonym ("aim" for "objective") counts this much
TYPED_BONUS = 0.30  # the unit holds what a when/how-many question asks for (date, figure)
SPELLED_OUT_BONUS = 0.50  # "What does ACME stand for?": the unit spelling the acronym out
OPENING_BONUS = 0.30  # a question about the document itself: units of its opening (title slide)
TITLE_BONUS = 0.15  # ... asking what it is called: a quoted title there
NAME_BONUS = 0.10  # the unit says every rare name the question gives (besides its subjects'):
RARE_NAME_IDF = 0.6  # ... rare: idf at least this share of the rarest term's (dev: a name on
# every subject's page, like the publisher's, is not rare; dev5: +1 answer)
LABEL_BONUS = 0.10  # "Objective: ..." answers "What is the aim?": its label matches the question
HEAD_LABEL_BONUS = 0.25  # ... its label is what the question asks for ("the objectives of")

# ---- score of a unit (ranking only) --------------------------------------------------------
RANK_BONUS = 0.03  # / (1 + retrieval rank): breaks ties towards the better-retrieved passage
FOCUS_BONUS = 0.08  # the passage is about the subject the question names
NO_SUBJECT_PENALTY = 0.10  # the question names a subject, the passage has none
PLACE_BONUS = 0.08  # the passage is about a place the question names
PLACE_MISS_PENALTY = 0.15  # ... and a passage about a subject elsewhere
WHERE_FULL_BONUS = 0.20  # a where-question: the unit names the subject's places
WHERE_HINT_BONUS = 0.05  # a where-question: the unit says where something is
WHO_HINT_BONUS = 0.05  # a who-question: the unit mentions people or partners
WHO_AGENT_BONUS = 0.15  # ... the unit says who: a "Who:" label or "launched by ..."
SUBJECT_NOT_DOCUMENT_PENALTY = 0.15  # a question about the document itself: a subject's unit
ASKS_SUBJECT_BONUS = 0.10  # "Which organisation ...?": units of passages about a subject
HEADING_PENALTY = 0.25  # a heading line answers only where-questions
BOILERPLATE_PENALTY = 0.15  # a unit written from a template shared by other subjects' units
BOILERPLATE_JACCARD = 0.5  # ... its terms (less the subject's names) this alike
BOILERPLATE_SUBJECTS = 1  # ... with units of at least this many other subjects
BOILERPLATE_MAX_UNITS = 50_000  # larger indexes are not searched for templates
PARTS_MAX_CHUNKS = 50_000  # larger indexes are not read for the parts subjects are filed under
BOILERPLATE_MAX_POSTINGS = 200  # terms in more units than this are not paired on
BOILERPLATE_MIN_TERMS = 5  # shorter units are never boilerplate
LINK_PENALTY = 0.30  # a credit ("Photo: ...") or web address answers only contact questions
QUESTION_UNIT_PENALTY = 0.30  # a question in the material answers no question
EXCLAMATION_PENALTY = 0.10  # an exclamation is a slogan more often than a fact
SHORT_UNIT_PENALTY = 0.10  # a unit under SHORT_UNIT_CHARS characters, unless typed
SHORT_UNIT_CHARS = 12

# ---- choosing units --------------------------------------------------------------------
SINGLE_ANSWER_UNITS = 2  # a question asking one thing: at most this many units
SINGLE_MARGIN = 0.10  # ... each within this of the best score (0.05 before dev4: fact recall
# +0.01-0.02, citation precision -0.01-0.02 on dev)
LIST_MARGIN = 0.12  # a list question: units within this of the best
MAX_LIST_UNITS = 6  # most units of one list, or leaders of a question across subjects
TYPED_WITHIN = 0.20  # a date/figure unit this close to the best goes first
PART_MEMBER_RANK = 99  # the retrieval rank given to a part's subject that was not retrieved
SECTION_MARGIN = 0.0  # an outer heading answers a "which ..." question when it beats every unit
DUPLICATE_COSINE = 0.86  # two units this close say the same fact (slide and case file)
