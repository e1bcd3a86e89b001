// Validates the manifests `helm template` rendered against the Kubernetes schemas of npm kubernetes-models, offline,
// and prints them as one JSON array for the tests' assertions.
// Usage: node validate-manifests.mjs NODE_MODULES_DIR < rendered.yaml
// Exit 0: every document is a known kind and valid. Exit 1: one line per problem on stderr.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
if (!modules) {
  console.error("usage: node validate-manifests.mjs NODE_MODULES_DIR < rendered.yaml");
  process.exit(2);
}
// Imported by path: the modules live in the tools cache, not beside this script.
const load = (...parts) => import(pathToFileURL(join(modules, ...parts)).href);
const yaml = (await load("js-yaml", "dist", "js-yaml.mjs")).default;

const customResourceModels = { "monitoring.coreos.com": ["@kubernetes-models", "prometheus-operator"] };
const documents = yaml.loadAll(readFileSync(0, "utf8")).filter((doc) => doc !== null && doc !== undefined);
const problems = [];
for (const doc of documents) {
  const where = `${doc.kind ?? "?"} ${doc.metadata?.name ?? "?"}`;
  if (!doc.apiVersion || !doc.kind) {
    problems.push(`${where}: no apiVersion or kind`);
    continue;
  }
  // "apps/v1" + "StatefulSet" -> kubernetes-models/apps/v1/StatefulSet.js; core "v1" -> kubernetes-models/v1/Service.js;
  // custom resources from their own model package (prometheus-operator's ServiceMonitor).
  const group = doc.apiVersion.includes("/") ? doc.apiVersion.split("/")[0] : "";
  const models = customResourceModels[group] ?? ["kubernetes-models"];
  let model;
  try {
    model = (await load(...models, ...doc.apiVersion.split("/"), `${doc.kind}.js`))[doc.kind];
  } catch {
    problems.push(`${where}: ${doc.apiVersion} ${doc.kind} is not a Kubernetes kind kubernetes-models knows`);
    continue;
  }
  try {
    new model(doc).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
process.stdout.write(JSON.stringify(documents));
