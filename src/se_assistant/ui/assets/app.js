// se-assistant chat window: sources that stay with their answer, the [n] badges, the counter.
// Everything is event delegation on the document, so it survives Gradio re-rendering the chat.
(() => {
  if (window.__seAssistantUi) return;
  window.__seAssistantUi = true;

  const phone = () => window.matchMedia("(max-width: 760px)").matches;

  function flash(card) {
    card.classList.remove("se-flash");
    void card.offsetWidth; // restart the animation when the same card is flashed twice
    card.classList.add("se-flash");
    setTimeout(() => card.classList.remove("se-flash"), 1800);
  }

  // Show an answer's own source cards: in the side panel on a wide screen, under the answer
  // on a phone. The cards were built (and sanitized) with the message; they are cloned, never
  // parsed from text.
  function showSources(answer, number) {
    const details = answer.querySelector("details.se-sources");
    document.querySelectorAll("#se-chat .se-answer.se-selected")
      .forEach((a) => a.classList.remove("se-selected"));
    answer.classList.add("se-selected");
    if (!details) return;
    let scope = details;
    const body = document.querySelector("#se-panel .se-panel-body");
    if (!phone() && body) {
      const panel = body.closest(".se-panel");
      body.replaceChildren(...[...details.childNodes]
        .filter((n) => n.nodeName !== "SUMMARY").map((n) => n.cloneNode(true)));
      panel.classList.toggle("se-panel-related", answer.classList.contains("se-refused"));
      panel.querySelector(".se-panel-head").textContent =
        answer.classList.contains("se-refused") ? "Related passages" : "Sources";
      scope = body;
    } else {
      details.open = true;
    }
    if (number) {
      const card = scope.querySelector(`.se-card-${number}`);
      if (card) {
        card.scrollIntoView({ block: "nearest", behavior: "smooth" });
        flash(card);
      }
    }
  }

  const refNumber = (ref) => {
    const match = [...ref.classList].join(" ").match(/se-ref-(\d+)/);
    return match ? match[1] : null;
  };

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const answer = target.closest("#se-chat .se-answer");
    if (!answer) return;
    if (target.closest("details.se-sources") && !target.closest(".se-ref")) return;
    const ref = target.closest(".se-ref");
    showSources(answer, ref ? refNumber(ref) : null);
  });

  // A new question: the panel will show its answer's sources, so no earlier answer is selected.
  const clearSelection = () => document.querySelectorAll("#se-chat .se-answer.se-selected")
    .forEach((a) => a.classList.remove("se-selected"));
  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("#se-ask")) clearSelection();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target instanceof Element
        && event.target.closest("#se-question")) clearSelection();
    const ref = event.target instanceof Element ? event.target.closest(".se-ref") : null;
    if (ref && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      showSources(ref.closest(".se-answer"), refNumber(ref));
    }
  });

  // Keep a badge's hover quote inside its answer (a badge near an edge, a narrow phone).
  function placeTip(ref) {
    const tip = ref && ref.querySelector(".se-tip");
    if (!tip) return;
    tip.style.setProperty("--se-shift", "0px");
    const box = (ref.closest(".se-answer") || document.body).getBoundingClientRect();
    tip.style.maxWidth = `${Math.floor(Math.min(box.width, window.innerWidth - 16))}px`;  // never wider than its answer
    const r = tip.getBoundingClientRect();
    let shift = 0;
    if (r.left < box.left) shift = box.left - r.left;
    else if (r.right > box.right) shift = box.right - r.right;
    tip.style.setProperty("--se-shift", `${shift}px`);
  }
  for (const type of ["mouseover", "focusin"]) {
    document.addEventListener(type, (event) => {
      if (event.target instanceof Element) placeTip(event.target.closest(".se-ref"));
    });
  }

  // The character counter: the limit is shown all the time, text past it is flagged (the
  // server refuses it with a message and leaves it in the box to be shortened).
  function updateCounter() {
    const counter = document.querySelector(".se-counter");
    const box = document.querySelector("#se-question textarea");
    if (!counter || !box) return;
    const limit = Number(counter.dataset.limit);
    const length = box.value.length;
    counter.querySelector(".se-count").textContent = length.toLocaleString("en");
    const over = length > limit;
    counter.classList.toggle("se-over", over);
    counter.querySelector(".se-over-msg").textContent = over
      ? ` — ${(length - limit).toLocaleString("en")} over the limit: shorten the question to send it`
      : "";
  }
  document.addEventListener("input", (event) => {
    if (event.target instanceof Element && event.target.closest("#se-question")) updateCounter();
  });
  setInterval(updateCounter, 300); // also follows text Gradio sets (examples, a kept question)
})();
