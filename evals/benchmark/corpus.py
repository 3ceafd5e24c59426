"""Generated corpora: Markdown (with front matter), plain text and HTML files of made-up
social-economy prose, one chunk per section, the same for the same seed."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

_SUBJECTS = ("The cooperative", "A local association", "The regional council", "Each member",
             "The foundation", "A network of social enterprises", "The municipality",
             "A young founder", "The incubator", "A group of citizens", "The mutual society",
             "A volunteer", "The consortium", "A workers' cooperative", "The town hall")
_VERBS = ("supports", "finances", "trains", "connects", "hosts", "evaluates", "promotes",
          "organises", "rebuilds", "shares", "invests in", "coordinates", "documents", "mentors",
          "welcomes", "negotiates with", "designs", "maintains")
_OBJECTS = ("community gardens", "repair cafés", "affordable housing", "care services",
            "renewable energy projects", "a solidarity grocery", "training courses",
            "cultural festivals", "recycling workshops", "shared workspaces", "social loans",
            "short food supply chains", "a mobility scheme", "local currencies",
            "youth employment programmes", "a cooperative bank", "digital inclusion classes")
_PLACES = ("in the old harbour district", "across three villages", "near the railway station",
           "in the former textile mill", "along the river", "in the northern suburbs",
           "on the university campus", "in the market square", "throughout the valley",
           "in a restored brewery", "beside the public library", "in the mountain towns")
_TIMES = ("since 2009", "every spring", "during the winter months", "after the crisis",
          "for more than a decade", "twice a year", "on weekends", "since the last election",
          "in its first five years", "each quarter")
_ADDS = ("with public funding", "with the help of a social bank", "together with schools",
         "without any subsidy", "through crowdfunding", "with support from the region",
         "in partnership with trade unions", "with a grant from a foundation",
         "alongside private companies", "through membership fees")
_RESULTS = ("More than {n} people took part.", "It created {n} jobs.",
            "The budget reached {n} thousand euros.", "About {n} households benefited.",
            "{n} new members joined.", "It trained {n} apprentices.")
_CITIES = (("Lyon", "France"), ("Ghent", "Belgium"), ("Bologna", "Italy"), ("Leipzig", "Germany"),
           ("Valencia", "Spain"), ("Porto", "Portugal"), ("Tampere", "Finland"),
           ("Kraków", "Poland"), ("Cork", "Ireland"), ("Graz", "Austria"), ("Brno", "Czechia"),
           ("Utrecht", "Netherlands"))
_TOPICS = ("Governance", "Funding", "Members", "Activities", "Results", "Partners", "History",
           "Training", "Housing", "Energy", "Food", "Culture", "Mobility", "Care", "Outlook")
_SYLLABLES = ("ka", "lo", "mer", "vi", "tan", "so", "ri", "del", "bu", "no", "sta", "fen", "al",
              "ro", "mi", "ter", "ga", "lu")
SECTIONS_PER_FILE = 20
SECTION_CHARS = 780


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def _sentence(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        return rng.choice(_RESULTS).format(n=rng.randint(3, 900))
    subject = rng.choice(_SUBJECTS)
    if kind < 0.35:
        subject = f"{subject} {_name(rng)}"
    parts = [subject, rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_PLACES)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_TIMES))
    if rng.random() < 0.5:
        parts.append(rng.choice(_ADDS))
    return " ".join(parts) + "."


def _section_text(rng: random.Random) -> list[str]:
    """Two paragraphs of 780-920 characters in all: one chunk under the 256-token default with
    its breadcrumb, and long enough that the text loader keeps each paragraph a section."""
    sentences: list[str] = []
    while sum(len(x) + 1 for x in sentences) < SECTION_CHARS:
        sentences.append(_sentence(rng))
    half = len(sentences) // 2
    return [" ".join(sentences[:half]), " ".join(sentences[half:])]


def generate_corpus(folder: Path, sections: int, seed: int = 8) -> dict[str, Any]:
    """Write about ``sections`` sections (one chunk each) as Markdown with front matter and
    headings, plain text and HTML files under ``folder``; returns what was written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"md": 0, "txt": 0, "html": 0}
    written = 0
    index = 0
    while written < sections:
        fmt = ("md", "txt", "html")[index % 3]
        n = min(SECTIONS_PER_FILE, sections - written)
        city, country = rng.choice(_CITIES)
        title = f"{_name(rng)} {rng.choice(('Cooperative', 'Network', 'Foundation', 'Hub'))}"
        topics = rng.sample(_TOPICS, k=min(n, len(_TOPICS)))
        heads = [topics[i] if i < len(topics) else f"{rng.choice(_TOPICS)} {i}" for i in range(n)]
        bodies = [_section_text(rng) for _ in range(n)]
        sub = folder / f"part-{index // 500:03d}"
        sub.mkdir(exist_ok=True)
        path = sub / f"doc-{index:06d}.{fmt}"
        if fmt == "md":
            front = (f'---\ntitle: "{title}"\nkind: report\ncity: "{city}"\n'
                     f'country: "{country}"\n---\n')
            blocks = [f"## {h}\n\n" + "\n\n".join(b) for h, b in zip(heads, bodies, strict=True)]
            path.write_text(front + f"# {title}\n\n" + "\n\n".join(blocks) + "\n", "utf-8")
        elif fmt == "txt":
            # one paragraph a section, longer than half the text loader's grouping limit
            path.write_text("\n\n".join(" ".join(b) for b in bodies) + "\n", "utf-8")
        else:
            blocks = [f"<h2>{h}</h2>\n" + "".join(f"<p>{p}</p>\n" for p in b)
                      for h, b in zip(heads, bodies, strict=True)]
            path.write_text(
                f"<!doctype html>\n<html><head><title>{title}</title>"
                "<style>p{margin:0}</style></head>\n"
                f"<body><h1>{title}</h1>\n{''.join(blocks)}</body></html>\n", "utf-8")
        counts[fmt] += 1
        written += n
        index += 1
    return {"files": index, "sections": written, "formats": counts}


