// /jobs/ID: one job, live: progress, figures, where it runs, its curves (SVG drawn by the silo), its latest sample, cancel.
"use strict";

const jobId = decodeURIComponent(location.pathname.split("/")[2] || "");
const api = `/jobs/${encodeURIComponent(jobId)}`;
let chartsAt = -1;
let sampleSha = null;
let finished = false;

document.title = `${jobId} · DistGen`;
document.getElementById("job-id").textContent = jobId;
document.getElementById("confirm-job").textContent = jobId;

function showStatus(job) {
  const state = document.getElementById("state");
  state.textContent = job.state;
  state.className = `state ${job.state}`;
  document.getElementById("progress-bar").style.width = `${(job.progress * 100).toFixed(1)}%`;
  document.getElementById("round").textContent = `round ${job.round} / ${job.totalRounds}`;
  document.getElementById("eta").textContent = job.finished
    ? `ended ${distgen.time(job.finishedAt)}` : `ETA ${distgen.duration(job.etaSeconds)}`;
  document.getElementById("message").textContent = job.message || "";
  document.getElementById("cancel").hidden = job.finished;

  const figures = document.querySelector("#figures tbody");
  figures.replaceChildren();
  distgen.row(figures, "family", `${job.family} (${job.name})`);
  for (const [name, value] of Object.entries(job.figures)) distgen.row(figures, name, distgen.number(value));
  distgen.row(figures, "takeovers", job.takeovers > 0
    ? `${job.takeovers} (the latest continued from round ${job.continuedFromRound})` : "0");
  distgen.row(figures, "failed round attempts", job.repeatedAttempts);
  distgen.row(figures, "refused tensors", job.refusedTensors);

  const placement = document.querySelector("#placement tbody");
  placement.replaceChildren();
  distgen.row(placement, "coordinator", job.coordinatorDevice ? `${job.coordinatorSilo} (${job.coordinatorDevice})` : job.coordinatorSilo);
  distgen.row(placement, "workers", job.workers);
  for (const member of job.members) distgen.row(placement, member.member, `${member.silo} (${member.device})`);
  distgen.row(placement, "submitted", distgen.time(job.submittedAt));
  finished = job.finished;
}

async function refreshCharts(round) {
  if (round === chartsAt) return;
  const drawn = await distgen.json(`${api}/charts`);
  chartsAt = round;
  const charts = document.getElementById("charts");
  charts.replaceChildren();
  let points = 0;
  for (const chart of drawn.charts) {
    const box = distgen.element("div", null, "chart");
    box.dataset.title = chart.title;
    box.dataset.points = chart.points;
    box.title = chart.columns.join(", ");
    // The SVG is drawn by this silo from numbers (ScottPlot), never from text a user wrote.
    box.innerHTML = chart.svg;
    charts.append(box);
    points += chart.points;
  }
  charts.dataset.points = points;
  charts.dataset.lastStep = drawn.lastStep;
  document.getElementById("logged").textContent = drawn.loggedSteps > 0 ? `${drawn.loggedSteps} steps logged` : "nothing logged yet";
}

async function refreshSample() {
  const sample = await distgen.json(`${api}/sample`);
  if (!sample || sample.sha256 === sampleSha) return;
  const url = `${api}/sample/${encodeURIComponent(sample.fileName)}?v=${sample.sha256.slice(0, 16)}`;
  const box = document.getElementById("sample");
  if (sample.kind === "image") {
    const img = distgen.element("img");
    img.alt = `latest ${sample.fileName} of ${jobId}`;
    img.src = url;
    box.replaceChildren(img);
  } else {
    const response = await fetch(url, { cache: "no-store" });
    if (!response.ok) return;
    box.replaceChildren(distgen.element("pre", await response.text()));
  }
  sampleSha = sample.sha256;
  document.getElementById("sample-name").textContent = sample.fileName;
}

let beats = 0;
distgen.every(2000, async () => {
  if (finished && beats > 0 && chartsAt !== -1) return;
  const job = await distgen.json(`${api}/status`);
  showStatus(job);
  await refreshCharts(job.round);
  if (beats++ % 3 === 0 || job.finished) await refreshSample();
  distgen.note("");
  distgen.stamp();
});

const dialog = document.getElementById("confirm-cancel");
document.getElementById("cancel").addEventListener("click", () => dialog.showModal());
dialog.addEventListener("close", async () => {
  if (dialog.returnValue !== "cancel") return;
  try {
    const job = await distgen.json(`${api}/cancel`, { method: "POST", headers: { "X-DistGen-Action": "cancel" } });
    showStatus(job);
    distgen.note(`Cancelling ${jobId}: it stops after its current round.`);
  } catch (e) {
    distgen.note(`Could not cancel: ${e.message}`, true);
  }
});
