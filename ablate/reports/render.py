"""Render a report: one block list -> Markdown and self-contained HTML; the terminal view.

A document is a list of blocks — ("h", level, text), ("p", text), ("list", items),
("table", headers, rows), ("code", text), ("img", file name, alt), ("details", summary, lines) —
so Markdown and HTML cannot say different things. Figures (reports/figures.py) are PNG bytes,
embedded in the HTML as data URIs and linked from the Markdown.
"""

from __future__ import annotations

import base64
import html as _html

Block = tuple


def fp(p) -> str:
    """p-values: 3 significant digits, '<0.001' style avoided (the exact Monte-Carlo value is shown)."""
    if p is None:
        return "—"
    return f"{p:.3g}"


def delta(x) -> str:
    return "—" if x is None else f"{x:+.2f}"


def ms(mean, sd) -> str:
    return f"{mean:.2f} ± {sd:.2f}" if sd is not None else f"{mean:.2f}"


def share(x) -> str:
    return "—" if x is None else f"{100 * x:.0f} %"


def ci_label(alpha: float) -> str:
    """The interval's actual level, e.g. '95 % CI' at α = 0.05, '99 % CI' at α = 0.01."""
    return f"{100 * (1 - alpha):g} % CI"


def summary_headers(alpha: float) -> list[str]:
    return ["level", "n", "S_A/S_B", "A mean ± SD", "B mean ± SD", "Δ̂ (direction)", ci_label(alpha), "p", "p_Holm",
            "seed p (min)", "P(A>B) [CI]", "seed share", "k̂ of L"]


def cell_headers(alpha: float) -> list[str]:
    return ["lang", "n", "A mean ± SD", "B mean ± SD", "Δ̂ (direction)", ci_label(alpha), "p", "p_Holm", "q_BH",
            "seed p (min)", "P(A>B) [CI]", "seed share"]


def direction(m) -> str:
    """Δ's sign in words: 'mt-translate − stilts = +1.56: mt-translate ahead'."""
    ahead = m.treatment if m.delta > 0 else m.baseline if m.delta < 0 else None
    return f"{m.treatment} − {m.baseline} = {m.delta:+.2f}: " + (f"{ahead} ahead" if ahead else "tied")


def interval(m) -> str:
    return "no test" if m.refused else f"[{m.low:+.2f}, {m.high:+.2f}]"


def _common(m) -> list[str]:
    return [direction(m), interval(m), fp(m.p) if not m.refused else "refused", fp(m.p_holm)]


def _seed(m) -> list[str]:
    return [f"{fp(m.seed_p)} ({fp(m.seed_min_p)})",
            f"{m.p_improve:.2f} [{m.p_improve_low:.2f}, {m.p_improve_high:.2f}]" if m.p_improve is not None else "—",
            share(m.seed_share)]


def summary_row(m, name: str) -> list[str]:
    return [name, "—" if m.n is None else str(m.n), f"{m.s_a}/{m.s_b}", ms(m.mean_a, m.sd_a), ms(m.mean_b, m.sd_b),
            *_common(m), *_seed(m), "—" if m.wins is None else f"{m.wins} of {m.of}"]


def cell_row(m) -> list[str]:
    return [m.lang, str(m.n), ms(m.mean_a, m.sd_a), ms(m.mean_b, m.sd_b), *_common(m), fp(m.q_bh), *_seed(m)]


def document(c) -> list[Block]:
    """The whole report as blocks (title, warnings, summary per pair, per-language tables, methods)."""
    from ablate.reports.compare import family_declaration

    base = c.labels[0]
    doc: list[Block] = [
        ("h", 1, f"ablate compare: {', '.join(c.labels[1:])} vs {base}"),
        ("p", f"Targets: {', '.join(c.targets)} ({c.request.split} split). Seeds: "
              + "; ".join(f"{k} {', '.join(map(str, v))}" for k, v in c.seeds.items())
              + f". B = {c.n_replicates:,}, report seed {c.request.seed}, α = {c.request.alpha}. "
              "Scores are points (metric × 100); Δ = A − B with A the treatment and B the baseline."),
        ("code", c.signature),
    ]
    if c.warnings:
        doc += [("h", 2, "Warnings"), ("list", c.warnings)]
    doc += [("h", 2, "Families"), ("list", [f"**{k}** {v}" for k, v in family_declaration(c).items()])]
    doc += [("h", 2, "Overview"), ("img", "forest.png", "Forest plot of Δ per task and overall"),
            ("img", "heatmap.png", "Language × task heatmap of Δ")]
    for treatment in c.labels[1:]:
        top = c.lines(level="overall", treatment=treatment)[0]
        rows = [summary_row(m, m.task) for m in c.lines(level="task", treatment=treatment)]
        rows.append(summary_row(top, f"**{c.overall}**"))
        doc += [("h", 2, f"{treatment} vs {base}"),
                ("p", f"{c.overall} (points): {direction(top)}, {ci_label(c.request.alpha)} {interval(top)}, "
                      f"p = {fp(top.p)}, Holm (F1) p = {fp(top.p_holm)}"
                      + (f"; {treatment} > {base} significantly on {top.wins} of {top.of} tasks." if top.wins is not None
                         else ".") + (f" No p at this level: {top.refused}." if top.refused else "")),
                ("table", summary_headers(c.request.alpha), rows),
                ("details", "Signatures of these lines",
                 [f"{m.task}: {m.signature}" for m in c.lines(level="task", treatment=treatment)]
                 + [f"{c.overall}: {top.signature}"])]
        for t in c.targets:
            task_line = c.lines(level="task", treatment=treatment, task=t)[0]
            cells = c.lines(level="cell", treatment=treatment, task=t)
            doc += [("h", 3, f"{t}: {treatment} vs {base}"),
                    ("p", f"{direction(task_line)}, {ci_label(c.request.alpha)} {interval(task_line)}, "
                          f"p = {fp(task_line.p)}, Holm (F2) p = {fp(task_line.p_holm)}"
                          + (f"; A > B on k̂ = {task_line.wins} of {task_line.of} languages (F3, step-down max-T). "
                             if task_line.wins is not None else ". ")
                          + f"Test-set sampling units: {'parallel ids shared across languages' if c.numbers.parallel[t] else 'examples, per language'}."
                          + (f" No p at this level: {task_line.refused}." if task_line.refused else "")),
                    ("code", task_line.signature),
                    ("table", cell_headers(c.request.alpha), [cell_row(m) for m in cells]),
                    ("details", "Signatures of these lines", [f"{m.lang}: {m.signature}" for m in cells])]
    doc += [("h", 2, "Methods"), ("p", c.methods), ("h", 2, "Provenance"), ("list", _provenance_items(c))]
    return doc


def _provenance_items(c) -> list[str]:
    p = c.provenance
    items = [f"Store: `{p['store']}`, experiment `{p['experiment']}`" + (f", report run `{c.report_run_id}`" if c.report_run_id else ""),
             f"Source runs: {len(p['source_run_ids'])} (" + "; ".join(
                 f"{arm}: " + ", ".join(sorted({rid[:12] for per in tasks.values() for rid in per.values()}))
                 for arm, tasks in p["source_runs"].items()) + ")",
             "Failed/unfinished runs not used: " + (", ".join(f"{k}: {len(v)}" for k, v in p["failed_runs"].items()) or "none"),
             f"Models: {', '.join(p['models'])}; code: {', '.join(p['code'])}",
             "Checkpoint selection: " + "; ".join(f"{t}: {v}" for t, v in p["selection_policy"].items()),
             "Data fingerprints (test sets): " + "; ".join(f"{t}: {', '.join(v)}" for t, v in p["data_tags"].items()),
             f"B = {p['B']} (requested {p['B_requested']}), report seed {p['seed']}, α = {p['alpha']}",
             "Libraries: " + ", ".join(f"{k} {v}" for k, v in p["libraries"].items()),
             f"Regenerate: `ablate compare --from-report {c.report_run_id or 'RUN_ID'} --tracking-uri {p['store']}"
             f" --experiment {p['experiment']}`"]
    return items


# --- Markdown and HTML ----------------------------------------------------------------------------

def markdown(doc: list[Block], figures: dict[str, bytes]) -> str:
    out: list[str] = []
    for block in doc:
        kind = block[0]
        if kind == "h":
            out.append("#" * block[1] + " " + block[2])
        elif kind == "p":
            out.append(block[1])
        elif kind == "list":
            out.append("\n".join(f"- {x}" for x in block[1]))
        elif kind == "code":
            out.append(f"`{block[1]}`")
        elif kind == "img":
            if block[1] in figures:
                out.append(f"![{block[2]}]({block[1]})")
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |" for r in rows]
            out.append("\n".join(lines))
        elif kind == "details":
            out.append(f"<details><summary>{block[1]}</summary>\n\n"
                       + "\n".join(f"- `{x}`" for x in block[2]) + "\n\n</details>")
    return "\n\n".join(out) + "\n"


_CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f3f3f3}td:first-child{text-align:left}code{font-size:12px;background:#f6f6f6;padding:1px 3px;word-break:break-all}
img{max-width:100%}details{font-size:12px;margin-bottom:1em}"""


def _inline(text: str) -> str:
    """Escape, then the two bits of Markdown the blocks use: **bold** and `code`."""
    import re

    s = _html.escape(text)
    s = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", s)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", s)


def html(doc: list[Block], figures: dict[str, bytes], title: str) -> str:
    """One self-contained page: styles inline, figures as data URIs."""
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_html.escape(title)}</title>"
           f"<style>{_CSS}</style></head><body>"]
    for block in doc:
        kind = block[0]
        if kind == "h":
            out.append(f"<h{block[1]}>{_inline(block[2])}</h{block[1]}>")
        elif kind == "p":
            out.append(f"<p>{_inline(block[1])}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in block[1]) + "</ul>")
        elif kind == "code":
            out.append(f"<p><code>{_html.escape(block[1])}</code></p>")
        elif kind == "img" and block[1] in figures:
            data = base64.b64encode(figures[block[1]]).decode()
            out.append(f"<figure><img alt='{_html.escape(block[2])}' src='data:image/png;base64,{data}'>"
                       f"<figcaption>{_html.escape(block[2])}</figcaption></figure>")
        elif kind == "table":
            head = "".join(f"<th>{_html.escape(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{_inline(str(x))}</td>" for x in r) + "</tr>" for r in block[2])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "details":
            out.append(f"<details><summary>{_html.escape(block[1])}</summary><ul>"
                       + "".join(f"<li><code>{_html.escape(x)}</code></li>" for x in block[2]) + "</ul></details>")
    out.append("</body></html>")
    return "\n".join(out)


# --- terminal ------------------------------------------------------------------------------------

TERMINAL_HEADERS = ["level", "S", "A", "B", "Δ̂ [CI]", "p", "Holm", "seed p", "P(A>B)", "k̂/L"]


def _terminal_row(m, name: str) -> list[str]:
    return [name, f"{m.s_a}/{m.s_b}", f"{m.mean_a:.2f}", f"{m.mean_b:.2f}",
            f"{m.delta:+.2f} {interval(m)}", "refused" if m.refused else fp(m.p), fp(m.p_holm), fp(m.seed_p),
            "—" if m.p_improve is None else f"{m.p_improve:.2f}", "—" if m.wins is None else f"{m.wins}/{m.of}"]


def terminal(c, console) -> None:
    """The overview per pair (tasks + overall; full tables in the files), warnings."""
    from rich.table import Table

    for treatment in c.labels[1:]:
        table = Table(title=f"{treatment} vs {c.labels[0]}  (points; {ci_label(c.request.alpha)}; seed {c.request.seed})")
        for h in TERMINAL_HEADERS:
            table.add_column(h, justify="left" if h == "level" else "right", overflow="fold")
        for m in c.lines(level="task", treatment=treatment):
            table.add_row(*_terminal_row(m, m.task))
        top = c.lines(level="overall", treatment=treatment)[0]
        table.add_row(*[f"[bold]{x}[/]" for x in _terminal_row(top, c.overall)])
        console.print(table)
        console.print(direction(top) + (f" (no p: {top.refused})" if top.refused else ""), highlight=False)
        console.print(f"[dim]{top.signature}[/]", highlight=False)
    for w in c.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
