// /jobs: every job of the cluster, newest first.
"use strict";

function stateBadge(state) {
  return distgen.element("span", state, `state ${state}`);
}

function progressCell(job) {
  const td = distgen.element("td");
  const bar = distgen.element("div", null, "progress");
  const fill = distgen.element("div");
  fill.style.width = `${(job.progress * 100).toFixed(1)}%`;
  bar.append(fill);
  td.append(bar, distgen.element("small", `round ${job.round} / ${job.totalRounds}`));
  return td;
}

async function refresh() {
  const jobs = await distgen.json("/jobs/_api/list");
  const table = document.getElementById("jobs");
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const job of jobs) {
    const tr = body.insertRow();
    tr.dataset.job = job.jobId;
    const link = distgen.element("a", job.jobId);
    link.href = `/jobs/${encodeURIComponent(job.jobId)}`;
    const id = distgen.element("td");
    id.append(link);
    const state = distgen.element("td");
    state.append(stateBadge(job.state));
    tr.append(id, distgen.element("td", job.family), state, progressCell(job),
      distgen.element("td", distgen.duration(job.etaSeconds), "num"),
      distgen.element("td", job.silos.join(", ")), distgen.element("td", distgen.time(job.submittedAt)));
  }
  table.hidden = jobs.length === 0;
  distgen.note(jobs.length === 0 ? "No jobs yet: submit one with distgen submit SPEC." : "");
  distgen.stamp();
}

distgen.every(2000, refresh);
