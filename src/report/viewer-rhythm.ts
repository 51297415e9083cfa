// The viewer's rhythm section: the clinical summary (src/record/clinical-summary.ts) as a clinician reads
// it — heart rate overall and by hour, S and V beats by hour, couplets, runs and pauses — each episode
// a button that shows it whole on the strip and selects its first beat (data-sample: the first beat, or
// the beat before a pause; data-end: its last beat, or the beat after the pause).
import {
  type ClinicalSummary,
  DEFINITIONS,
  ECTOPIC_CLASSES,
  type Episode,
  PAUSE_SECONDS,
  type Pause,
  RATE_WINDOW_SECONDS,
  RUN_BEATS,
} from "../record/clinical-summary.js";
import { elapsed, heartRateText, labelsText, leadText } from "../record/clinical-summary-format.js";
import { escapeHtml, table } from "./html.js";

const bpm = (v: number | null): string => (v === null ? "–" : v.toFixed(0));

function episodeButton(e: Episode): string {
  return (
    `<li><button type="button" class="event" data-sample="${e.start}" data-end="${e.end}">` +
    `<span class="t">${elapsed(e.startSeconds)}</span> ${e.beats} beats · ${e.seconds.toFixed(1)} s · ${bpm(e.rateBpm)} bpm</button></li>`
  );
}

function pauseButton(p: Pause): string {
  return (
    `<li><button type="button" class="event" data-sample="${p.start}" data-end="${p.end}">` +
    `<span class="t">${elapsed(p.startSeconds)}</span> ${p.seconds.toFixed(2)} s</button></li>`
  );
}

function eventList(id: string, title: string, items: string[]): string {
  if (items.length === 0) return `<p class="event-none" id="${id}">${escapeHtml(title)}: none</p>`;
  return (
    `<details class="events" id="${id}"${items.length <= 12 ? " open" : ""}><summary>${escapeHtml(title)}: ${items.length}</summary>` +
    `<ol>${items.join("")}</ol></details>`
  );
}

export function rhythmSectionHtml(s: ClinicalSummary): string {
  const hourRows = s.hours.map((h) => [
    `${elapsed(h.fromSeconds)}–${elapsed(h.toSeconds)}`,
    h.beats.toLocaleString("en"),
    bpm(h.heartRate?.min ?? null),
    h.heartRate === null ? "–" : bpm(h.heartRate.mean),
    bpm(h.heartRate?.max ?? null),
    h.S.toLocaleString("en"),
    h.V.toLocaleString("en"),
  ]);
  const lists = ECTOPIC_CLASSES.flatMap((c) => [
    eventList(`runs-${c}`, `${c} runs (≥ ${RUN_BEATS} beats)`, s.runs[c].map(episodeButton)),
    eventList(`couplets-${c}`, `${c} couplets`, s.couplets[c].map(episodeButton)),
  ]);
  lists.push(eventList("pauses", `pauses (R-R > ${PAUSE_SECONDS} s)`, s.pauses.map(pauseButton)));
  const artifact =
    s.artifact !== undefined
      ? `<p id="artifact-line">Artifact: ${s.artifact.segments} segments, ${s.artifact.seconds.toFixed(1)} s marked (left out of rates and pauses).</p>`
      : "";
  return `<section id="rhythm"><h3>Rhythm</h3>
<p class="muted">Over the whole recording (${elapsed(s.durationSeconds)}), ${s.beats.toLocaleString("en")} beats on ${escapeHtml(leadText(s))}; ${escapeHtml(labelsText(s))}.</p>
<p id="heart-rate">Heart rate: ${escapeHtml(heartRateText(s.heartRate))}</p>
${table(["hour", "beats", "HR min", "HR mean", "HR max", "S", "V"], hourRows, 'id="hour-table"')}
${artifact}
<div id="rhythm-events">${lists.join("\n")}</div>
<p class="muted">Min and max heart rate: of the ${RATE_WINDOW_SECONDS}-s windows; ${escapeHtml(DEFINITIONS.couplet)} is a couplet, ${escapeHtml(DEFINITIONS.run)} a run; a pause is ${escapeHtml(DEFINITIONS.pause)}.</p>
</section>`;
}
