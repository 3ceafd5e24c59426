"""The answering rules on small hand-made inputs (no corpus, no model): what a question asks,
how passages split into units, what a heading names, and when the evidence says "refuse"."""

from __future__ import annotations

import pytest

from se_assistant.answering.evidence import judge, lists_counted, spells_out
from se_assistant.answering.question import analyse
from se_assistant.answering.smalltalk import asks_for_more, small_talk_kind
from se_assistant.answering.units import split_units
from se_assistant.lexical import stem
from se_assistant.subjects import subject_of

NAMES = {"acme works": "Acme Works", "acme": "Acme Works", "zeta lab": "Zeta Lab"}
PLACES = {"place": {"lyon": "Lyon", "fr": "FR", "france": "FR"}}


# ---- question analysis ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was Acme founded?", "when"),
        ("In what year did it open?", "when"),
        ("How many members does Acme have?", "how_many"),
        ("What is the budget of Zeta Lab?", "how_many"),
        ("How can I get in touch with Acme?", "contact"),
        ("What is the e-mail address of Zeta Lab?", "contact"),
        ("Where is Acme based?", "where"),
        ("Which city is Zeta Lab in?", "where"),
        ("Who runs Zeta Lab?", "who"),
        ("How was Acme funded?", "how"),
        ("Does Acme work with Zeta Lab?", "yes_no"),
        ("What does Acme do?", "what"),
        ("What was the date of the fair?", "when"),
        ("Where did the money for Acme come from?", "how"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert analyse(question, NAMES, PLACES).kind == kind


def test_named_subjects_are_found_by_any_of_their_names_and_taken_out_of_the_terms():
    info = analyse("What do Acme and Zeta Lab offer?", NAMES, PLACES)
    assert set(info.entities) == {"Acme Works", "Zeta Lab"}
    assert stem("offer") in info.terms and stem("acme") not in info.terms
    assert info.is_list  # a question across two subjects lists


def test_a_country_code_is_a_place_only_as_written():
    assert analyse("Is there a lab in FR?", NAMES, PLACES).places == {"place": ["FR"]}
    assert analyse("Is there a lab in France?", NAMES, PLACES).places == {"place": ["FR"]}
    assert analyse("What can fr mean here?", NAMES, PLACES).places == {}


def test_head_nouns_mark_what_is_asked_about_but_not_a_verb_after_does():
    assert stem("mayor") in analyse("Who is the mayor of Lyon?", NAMES, PLACES).heads
    assert stem("weather") in analyse("What will the weather be like in Lyon?", NAMES).heads
    assert stem("distinguish") not in analyse("What kinds of labs does the report distinguish?", NAMES).heads


def test_which_questions_ask_for_a_subject_unless_they_ask_an_attribute():
    assert analyse("Which organisation runs a film festival?", NAMES).asks_case
    assert analyse("Which organisation runs a film festival?", NAMES).aspect == "runs a film festival"
    assert not analyse("Which city is Acme in?", NAMES).asks_case
    assert not analyse("What value of labs tends to be overlooked?", NAMES).asks_case
    assert not analyse("Which programmes does Acme run?", NAMES).asks_case  # names its subject


def test_what_is_it_for_asks_a_purpose():
    assert stem("purpose") in analyse("What is Zeta Lab for?", NAMES).terms


# ---- units ---------------------------------------------------------------------------------
def test_units_are_verbatim_spans_with_heading_bullets_labels_and_sentences():
    passage = (
        "Acme Works (Lyon, FR)\n"
        "- ⇒ Objective: make tools. Sell them too\n"
        "  - sub item\n"
        "Acme began small. It grew fast! Did it?\n"
        "Contact: info@acme.example\n"
    )
    units = split_units(passage, headings=["Acme Works (Lyon, FR)"])
    texts = [u.text for u in units]
    assert texts == [
        "Acme Works (Lyon, FR)",
        "Objective: make tools. Sell them too",
        "sub item",
        "Acme began small.",
        "It grew fast!",
        "Did it?",
        "Contact: info@acme.example",
    ]
    assert units[0].heading and not any(u.heading for u in units[1:])
    assert units[1].bullet and units[1].label == "objective"
    assert units[-1].label == "contact" and not units[-1].bullet
    for unit in units:
        assert passage[unit.start : unit.start + len(unit.text)] == unit.text


def test_a_first_line_that_is_not_the_heading_is_an_ordinary_unit():
    units = split_units("Acme Works makes tools.", headings=["Something else"])
    assert [(u.text, u.heading) for u in units] == [("Acme Works makes tools.", False)]


# ---- subjects from headings ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("heading", "name", "places", "aliases"),
    [
        ("Acme Works (Lyon, FR)", "Acme Works", ("Lyon", "FR"), ()),
        ("II. Zeta Lab (Porto, PT):", "Zeta Lab", ("Porto", "PT"), ()),
        ("Slide 4: ZETA", "ZETA", (), ()),
        ("Union of Small Towns (UST)", "Union of Small Towns", (), ("UST",)),
        ("Nordlicht (Oslo, Norway)", "Nordlicht", ("Oslo", "Norway"), ()),
    ],
)
def test_a_heading_that_names_something_gives_its_subject(heading, name, places, aliases):
    subject = subject_of(heading)
    assert subject is not None
    assert (subject.name, subject.places, subject.aliases) == (name, places, aliases)


@pytest.mark.parametrize(
    "heading",
    ["Objective", "Who is involved", "Funding and capital", "Thank you very much!",
     "“Wish list” (not exhaustive...):", "I. Networks as a result of citizen initiatives"],
)
def test_a_heading_that_names_a_topic_gives_no_subject(heading):
    assert subject_of(heading) is None


# ---- the evidence decision -----------------------------------------------------------------
VOCABULARY = frozenset(stem(w) for w in ["acme", "work", "tool", "sell", "found", "establish", "lyon", "member"])


def _judge(question: str, best: float, texts: list[str]):
    return judge(analyse(question, NAMES, PLACES), best, VOCABULARY, texts)


def test_a_close_sentence_answers():
    assert _judge("What does Acme sell?", 0.6, ["Acme sells tools."]).grounded


def test_nothing_close_is_refused():
    evidence = _judge("What does Acme sell?", 0.2, ["Acme sells tools."])
    assert not evidence.grounded and "close" in evidence.reason


def test_a_head_noun_the_material_never_uses_is_refused_however_close():
    evidence = _judge("Who is the mayor of Lyon?", 0.95, ["Acme Works is in Lyon."])
    assert not evidence.grounded and "mayor" in evidence.reason


def test_words_about_the_material_itself_are_not_unknown_topics():
    assert _judge("What is the theme of the event?", 0.6, ["Acme sells tools."]).grounded


def test_a_founding_question_needs_a_date_of_a_founding():
    other_date = _judge("When was Acme founded?", 0.7, ["The meeting was held on 4 June 2018."])
    assert not other_date.grounded and "founding" in other_date.reason
    founding = _judge("When was Acme founded?", 0.7, ["Acme was established in 1999."])
    assert founding.grounded


def test_a_when_question_needs_a_date_and_how_many_a_figure():
    assert not _judge("When did Acme sell tools?", 0.7, ["Acme sells tools."]).grounded
    assert not _judge("How many tools does Acme sell?", 0.7, ["Acme sells tools."]).grounded
    assert _judge("How many tools does Acme sell?", 0.7, ["Acme sells 40 tools."]).grounded


def test_a_contact_question_needs_contact_details():
    refused = _judge("What is the e-mail of Acme?", 0.8, ["Acme sells tools."])
    assert not refused.grounded and "contact details for Acme Works" in refused.reason
    assert _judge("How can I contact Acme?", 0.5, ["Write to info@acme.example"]).grounded


# ---- small talk ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "kind"),
    [("thanks!", "thanks"), ("great, thank you", "thanks"), ("ok", "ack"), ("hello", "greeting"),
     ("bye", "bye"), ("perfect, that's all I needed. bye!", "bye"), ("hmm", "ack"),
     ("alert(1)", "noise")],
)
def test_turns_that_ask_nothing_are_small_talk(text, kind):
    assert small_talk_kind(text, VOCABULARY, []) == kind


def test_questions_are_not_small_talk():
    assert small_talk_kind("Who runs Acme?", VOCABULARY, [stem("run")]) == ""
    assert small_talk_kind("tools?", VOCABULARY, [stem("tool")]) == ""


def test_what_else_asks_for_more():
    assert asks_for_more("What else is on that list?") and asks_for_more("anything else?")
    assert not asks_for_more("What is on that list?")


# ---- rules added for material as people have it ---------------------------------------------
def test_a_question_about_the_document_itself_is_marked_so_its_opening_is_read():
    assert analyse("What was the talk called?", NAMES).about_document
    assert analyse("Who organised the event?", NAMES).about_document
    assert not analyse("What does Acme repair?", NAMES).about_document


def test_first_asks_for_one_item_and_list_as_a_noun_asks_for_no_list():
    info = analyse("What does the wish list ask for first?", NAMES)
    assert info.first and not info.is_list
    assert analyse("List the partners of Acme", NAMES).is_list


def test_the_noun_a_which_question_asks_for_is_kept_for_the_answerer_to_check():
    assert analyse("Which organisation runs a bakery?", NAMES).asked_noun == stem("organisation")
    assert analyse("Is there a lab that trains carpenters?", NAMES).asked_noun == stem("lab")
    assert analyse("Is one of these labs running a museum?", NAMES).asks_case


def test_how_many_counts_the_thing_asked_for_not_any_figure():
    def grounded(question: str, text: str) -> bool:
        info = analyse(question, NAMES)
        return judge(info, 0.8, frozenset(info.terms), [text]).grounded

    assert grounded("How many partners does Acme have?", "Acme has 12 partners in Lyon.")
    assert not grounded("How many jobs has Acme created?", "Acme has 12 partners and creates jobs.")
    assert grounded("How many partners does Acme have?", "Who: Alpha, Beta, Gamma and Delta")
    assert not grounded("How much does it cost to join Acme?", "Acme has 12 partners.")
    assert grounded("How much does it cost to join Acme?", "Membership costs 20 euros a year.")


def test_a_when_answer_needs_a_date_of_what_is_asked():
    info = analyse("When does the summer fair take place?", NAMES)
    vocabulary = frozenset(info.terms)
    assert not judge(info, 0.8, vocabulary, ["4 June 2018"]).grounded
    assert judge(info, 0.8, vocabulary, ["The summer fair takes place on 4 June 2018."]).grounded


def test_a_where_answer_needs_a_place():
    info = analyse("Where was the fair held?", NAMES)
    vocabulary = frozenset(info.terms)
    assert not judge(info, 0.8, vocabulary, ["The fair"], places_named=False).grounded
    assert judge(info, 0.8, vocabulary, ["The fair was held in Lyon."], places_named=True).grounded


@pytest.mark.parametrize(("turn", "kind"), [("👍", "ack"), ("ok bye, have a nice day", "bye")])
def test_an_emoji_or_a_farewell_is_small_talk(turn, kind):
    assert small_talk_kind(turn, frozenset(), []) == kind


def test_what_other_things_is_a_follow_up_question_not_a_request_for_more():
    assert asks_for_more("What else?")
    assert not asks_for_more("what other programmes does it have?")


def test_and_what_about_a_shorter_name_asks_the_last_question_of_that_subject():
    from se_assistant.followups import resolve

    standalone = resolve("and what about Zeta?", ["Acme Works"], "Who set up Acme Works?",
                         ["Acme Works"], ["Zeta Lab"])
    assert standalone == "Who set up Zeta Lab?"


# ---- what a question asks for, checked in the answer (dev5) ---------------------------------
def _grounded(question: str, text: str, vocabulary: frozenset[str] | None = None) -> bool:
    info = analyse(question, NAMES)
    return judge(info, 0.8, vocabulary or frozenset(info.terms), [text]).grounded


def test_a_name_holding_and_is_no_list_of_what_is_counted():
    assert not lists_counted("How many cities are members?", ["Network of Cities and Regions"])
    assert lists_counted("How many cities are members?", ["The cities are Lyon, Graz and Cork"])
    assert lists_counted("How many partners are there?", ["Partners: Alpha, Beta and Gamma"])


def test_an_acronym_is_spelled_out_by_its_full_name_not_by_a_list_of_acronyms():
    assert spells_out("ACME", "Association of Carpenters in Metz (ACME aisbl)")
    assert spells_out("CNR", "the CNR (national research centre)")
    assert not spells_out("ACME", "with the sector (ACME, XYZ, QRS)")
    assert not _grounded("What does ACME stand for?", "set up with the sector (ACME, XYZ)")
    assert _grounded("What does ACME stand for?", "Association of Carpenters in Metz (ACME)")


def test_a_contact_question_naming_a_kind_of_detail_needs_that_kind():
    assert not _grounded("What is the phone number of Acme?", "E-mail: info@acme.example")
    assert _grounded("What is the phone number of Acme?", "Phone: +33 4 12 34 56 78")
    assert _grounded("How can I reach Acme?", "E-mail: info@acme.example")


def test_a_measure_or_a_date_beyond_a_year_needs_the_figure_or_date():
    assert not _grounded("How big is the Acme site?", "Acme works on an old brewery site.")
    assert _grounded("How big is the Acme site?", "The Acme site covers 8,000 m2.")
    assert not _grounded("Did Acme grow after 2018?", "In 2018 Acme had 12 partners.")
    assert _grounded("Did Acme grow after 2018?", "In 2021 Acme had 30 partners.")


def test_another_form_of_a_word_or_one_side_of_a_choice_is_not_an_unknown_topic():
    vocabulary = frozenset(stem(w) for w in ["acme", "eastern", "part", "lyon", "belgium", "start"])
    assert _grounded("Did Acme start in the East or the West of Lyon?", "in the Eastern part of Lyon",
                     vocabulary)
    assert _grounded("Is the Belgian part of Acme big?", "Belgium part", vocabulary)
    mayor = judge(analyse("Who is the mayor of Lyon?", NAMES), 0.9, vocabulary, ["Lyon"])
    assert not mayor.grounded


def test_a_place_is_named_by_its_people_or_another_form_of_its_name():
    places = {"place": {"france": "FR", "fr": "FR", "germany": "DE", "de": "DE"}}
    french = analyse("Who runs the French cluster?", NAMES, places)
    assert french.places == {"place": ["FR"]} and stem("french") in french.place_terms
    assert analyse("What is the German one about?", NAMES, places).places == {"place": ["DE"]}
    assert analyse("Who runs the Spanish cluster?", NAMES, places).places == {}


def test_stand_for_needs_a_full_name_whose_initials_make_the_acronym():
    assert spells_out("CNR", "the CNR (national research centre)", strict=True)
    assert not spells_out("ACME", "ACME (a social cooperative)", strict=True)
    assert not _grounded("What does ACME stand for?", "ACME (a social cooperative)")
    assert _grounded("What is ACME?", "ACME (a social cooperative)")


def test_a_figure_of_the_question_itself_answers_no_how_many():
    assert not _grounded("How long did the fair on 4 June 2018 last?", "Fair, 4 June 2018")
    assert _grounded("How long did the fair on 4 June 2018 last?", "The fair lasted 3 days.")


# ---- plain words, frames, names asked for (dev7, dev8) ---------------------------------------
def test_idioms_read_as_the_plain_words_a_text_uses():
    from se_assistant.answering.lexicon import plain_words

    assert plain_words("Who got Acme off the ground?") == "Who got Acme started?"
    assert plain_words("who put this deck together?") == "who made this deck?"
    assert plain_words("What does Acme bring together?") == "What does Acme combines?"
    assert plain_words("in the end, who ran it?") == "who ran it?"
    assert plain_words("Who teamed up with Acme?") == "Who cooperated with Acme?"


def test_a_general_noun_is_no_unknown_topic_but_the_word_it_carries_is():
    vocabulary = frozenset(stem(w) for w in ["acme", "partner", "build", "ecosystem", "sector"])
    assert _grounded("Which bodies did Acme partner with?", "Partners: Alpha and Beta", vocabulary)
    assert _grounded("What kind of environment does Acme build?", "an ecosystem for the sector",
                     vocabulary)
    legal = analyse("What is the legal form of Acme?", NAMES)
    assert stem("legal") in legal.heads  # "form" says nothing; "legal" names the topic
    assert not judge(legal, 0.9, vocabulary, ["Acme builds an ecosystem"]).grounded


def test_the_talk_saying_something_frames_a_question_about_that_thing():
    assert analyse("Who gave the talk?", NAMES).about_document
    assert analyse("What was the theme of the event?", NAMES).about_document
    framed = analyse("Why does the talk say cooperatives suit clusters?", NAMES)
    assert not framed.about_document
    assert not analyse("According to the speaker, what do clusters serve?", NAMES).about_document


def test_the_thing_on_a_list_is_asked_as_a_list():
    assert analyse("What does the speaker put on the wish list?", NAMES).is_list
    assert analyse("what's on their wish list?", NAMES).is_list


def test_a_name_asked_for_must_be_given_next_to_the_thing_named():
    cinemas = "culture (bookshop, printing companies, cinemas, concert halls)"
    assert not _grounded("What are the names of the cinemas in Acme?", cinemas)
    assert _grounded("What are the names of the universities in Acme?",
                     "two universities (Lyon and Grenoble)")
    assert not _grounded("What was the name of the old brewery Acme took over?",
                         "Acme Works was set up on the terrain of the old brewery.")


def test_an_opinion_of_the_reader_is_not_in_any_material():
    assert not _grounded("In your opinion, which lab is the best?", "Zeta Lab is a lab in Lyon.")
    assert not _grounded("Do you think Acme works well?", "Acme works with Zeta Lab.")
    assert _grounded("What does Acme think of Zeta Lab?", "Acme thinks Zeta Lab works well.")


def test_which_x_with_a_past_tense_asks_for_an_x():
    info = analyse("Which EU commissioner opened the fair?", NAMES)
    assert stem("commissioner") in info.heads
    assert not judge(info, 0.9, frozenset(stem(w) for w in ["eu", "open", "fair"]),
                     ["EU fair 2018"]).grounded


def test_the_part_asked_of_a_subject_is_the_part_of_the_talk_not_of_a_city():
    from se_assistant.answering.parts import PART_QUESTION

    assert PART_QUESTION.search("In which part of the talk is Acme presented?")
    assert PART_QUESTION.search("Under which heading is Acme?")
    assert not PART_QUESTION.search("In which part of Lyon did Acme begin?")


def test_a_follow_up_going_on_about_the_subject_gets_it_and_an_elliptical_one_is_known():
    from se_assistant.followups import is_elliptical, resolve

    standalone = resolve("who else is involved besides the region?", ["Acme Works"],
                         "What is the objective of Acme Works?", ["Acme Works"], [])
    assert "Acme Works" in standalone
    assert is_elliptical("and the one in Germany?") and is_elliptical("the French one?")
    assert not is_elliptical("What is the objective of the French cluster in Lyon?")
    swapped = resolve("And Zeta Lab?", ["Acme Works"], "What is Acme's objective?",
                      ["Acme Works", "acme"], ["Zeta Lab"])
    assert swapped == "What is Zeta Lab's objective?"


# ---- several questions in one, places that name a subject, chat turns (dev9, dev10) -----------
def test_a_question_asking_several_things_is_split_into_its_parts():
    from se_assistant.answering.question import split_compound

    assert split_compound("Who launched Acme, and why?") == ["Who launched Acme?",
                                                             "why (launched Acme)?"]
    assert split_compound("Where is Acme based and what does it do?") == [
        "Where is Acme based?", "what does it do?"]
    assert len(split_compound("Who gave the talk, at what event, and on what date?")) == 3
    for one in ("Where and when was the talk given?",
                "According to the deck, what do clusters serve?",
                "When the intro talks about networks, what does it mean?",
                "How did Acme and Zeta Lab differ in the way they started?"):
        assert split_compound(one) == [one]


def test_a_subject_named_by_its_place_is_said_by_its_name():
    from se_assistant.answering.question import naming_subject

    places = {"place": {"italy": "Italy", "it": "IT", "lyon": "Lyon"}}
    info = analyse("What was the Italian foundation trying to achieve?", NAMES, places)
    assert naming_subject(info.text, info, "Acme Works") == "What was Acme Works trying to achieve?"
    info = analyse("What's the name of the cluster in Lyon?", NAMES, places)
    assert naming_subject(info.text, info, "Zeta Lab") == "What's the name of Zeta Lab?"
    info = analyse("Who works in Lyon?", NAMES, places)
    assert naming_subject(info.text, info, "Zeta Lab") == "Who works in Lyon (Zeta Lab)?"


def test_thanks_with_a_remark_is_small_talk_and_a_question_is_not():
    from se_assistant.answering.smalltalk import looks_like_a_question

    assert small_talk_kind("thanks a lot, that's really helpful for my article!", frozenset(),
                           []) == "thanks"
    assert small_talk_kind("great, that helps my report", frozenset(), []) == "ack"
    assert small_talk_kind("thanks, who launched it?", frozenset(), []) == ""
    assert looks_like_a_question("what was on the site before?")
    assert looks_like_a_question("Is it still running")
    assert not looks_like_a_question("that's really helpful for my article!")


# ---- the document, its parts, people and contact details (dev11, dev12) ----------------------
def test_which_organisation_is_behind_the_talk_asks_about_the_document_not_a_subject():
    info = analyse("Which organisation is behind this presentation?", NAMES)
    assert info.about_document and not info.asks_case and info.kind == "who"
    assert not analyse("What kind of organisation is Zeta Lab?", NAMES).about_document
    assert not analyse("Which of these labs organises a fair?", NAMES).about_document


def test_the_nth_type_names_a_part_by_its_place():
    from se_assistant.answering.parts import NTH_PART, ORDINALS

    match = NTH_PART.search("What is the second category of clusters in the talk?")
    assert match and ORDINALS[match.group(1)] == 2
    assert NTH_PART.search("what is type III about?").group(2).lower() == "iii"
    assert not NTH_PART.search("What did Acme do first?")


def test_a_person_asked_for_needs_a_person_named():
    from se_assistant.answering.evidence import names_a_person

    assert names_a_person("Rethinking the concept (Ivan Miró: “local ecosystems”)")
    assert not names_a_person("European Network of Cities and Regions for the Social Economy")
    assert not names_a_person("EUROPEAN DAY OF SOCIAL ECONOMY ENTERPRISES 2018")
    assert not _grounded("Who was the speaker at the fair?", "Association of Lyon Labs (ALL)")
    assert not _grounded("Who gave the talk for ACME?", "Association of Carpenters in Metz (ACME)")
    assert _grounded("Who gave the talk for ACME?", "The talk was given by Marie Curie.")


def test_a_greeting_with_a_courtesy_question_is_small_talk_and_a_lone_label_is_no_unit():
    assert small_talk_kind("Good morning, how are you doing today?", frozenset(), []) == "greeting"
    assert small_talk_kind("Good morning, what does Acme do?", frozenset(), []) == ""
    units = split_units("Goals: grow\nSpeaker notes:\nPhoto credit line here.")
    assert [u.text for u in units] == ["Goals: grow", "Photo credit line here."]


def test_a_yes_no_question_about_a_subject_is_answered_though_it_names_an_unknown_name():
    vocabulary = frozenset(stem(w) for w in ["partner", "university", "lyon", "acme"])
    assert _grounded("Is the University of Palermo a partner of Acme?",
                     "Partners: the University of Lyon", vocabulary)
    assert not _grounded("Is the University of Palermo a partner of the network?",
                         "Partners: the University of Lyon", vocabulary)


def test_the_last_clause_asks_and_what_comes_before_sets_the_scene():
    info = analyse("The report sorts its labs into groups - what are the three kinds of labs?", NAMES)
    assert info.is_list and info.kind == "what"
    assert analyse("Acme and Zeta Lab both work with citizens: in which cities are they?",
                   NAMES, PLACES).kind == "where"
    assert lists_counted("Name the partners of Acme - how many are there?",
                         ["Who: Alpha, Beta, Gamma and Delta"])
