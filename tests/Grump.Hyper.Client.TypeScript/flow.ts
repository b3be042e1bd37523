// The service's whole flow as a TypeScript integrator writes it: types generated from openapi.yaml by
// openapi-typescript (schema.d.ts), calls made with openapi-fetch. `tsc` checks every path, parameter, header,
// body and enum below against the document; running it checks them against the service.
// Usage: node dist/flow.js <service base URL> <project.tar.gz>. Prints one line per step; exits 1 on a failure.
import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Job = components["schemas"]["JobView"];
type Problem = components["schemas"]["ProblemDetails"];

const [baseUrl, archivePath] = process.argv.slice(2);
if (!baseUrl || !archivePath) {
  throw new Error("usage: node dist/flow.js <base URL> <project.tar.gz>");
}

const client = createClient<paths>({ baseUrl });
const archive = await readFile(archivePath);

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error("failed: " + what);
  }
  console.log("ok: " + what);
}

// 1. Submit the archive as multipart (the one media type the operation offers), with an Idempotency-Key.
const key = randomUUID();
const submit = () =>
  client.POST("/compile", {
    params: { header: { "Idempotency-Key": key } },
    body: { archive: "project.tar.gz", tier: "aggressive", label: "from-typescript" },
    bodySerializer(body) {
      const form = new FormData();
      form.append("archive", new Blob([archive], { type: "application/gzip" }), body.archive);
      form.append("tier", body.tier ?? "balanced");
      form.append("label", body.label ?? "");
      return form;
    },
  });
const accepted = await submit();
check(accepted.response.status === 202 && accepted.data?.status === "queued", "POST /compile answers 202 with a queued job");
const id = accepted.data!.id;
check(accepted.response.headers.get("Location") === `/jobs/${id}`, "the 202 carries the job's Location");
check((await submit()).data?.id === id, "the same Idempotency-Key and body give the same job");

// 2. Follow it until it ends (a deadline, not a fixed sleep).
let job: Job | undefined;
const deadline = Date.now() + 60_000;
do {
  const got = await client.GET("/jobs/{id}", { params: { path: { id } } });
  job = got.data;
  if (job && (job.status === "queued" || job.status === "running")) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
} while (job && (job.status === "queued" || job.status === "running") && Date.now() < deadline);
check(job?.status === "succeeded" && job.success === true, "the job succeeded");
check(job?.tier === "aggressive", "the job kept its tier");

// 3. An unchanged job answers 304 to its own ETag.
const first = await client.GET("/jobs/{id}", { params: { path: { id } } });
const etag = first.response.headers.get("ETag") ?? "";
const again = await client.GET("/jobs/{id}", { params: { path: { id }, header: { "If-None-Match": etag } } });
check(etag.length > 0 && again.response.status === 304, "If-None-Match with the ETag answers 304");

// 4. The result, the artifact list, one artifact and the list of jobs.
const result = await client.GET("/jobs/{id}/result", { params: { path: { id } } });
check((result.data?.modules.length ?? 0) === job!.progress.filesDone, "the result has one module per file");
const artifacts = await client.GET("/jobs/{id}/artifacts", { params: { path: { id } } });
check(artifacts.data?.some((a) => a.path === "plan.json" && a.sha256.length === 64) === true, "the artifacts list plan.json with its SHA-256");
const manifest = await client.GET("/jobs/{id}/artifacts/{path}", { params: { path: { id, path: "manifest.json" } }, parseAs: "text" });
check(manifest.data?.includes('"modules"') === true, "an artifact downloads by its path");
const page = await client.GET("/jobs", { params: { query: { status: "succeeded", label: "from-typescript", limit: 10 } } });
check(page.data?.items.some((j) => j.id === id) === true, "the job is listed under its status and label");

// 5. A finished job cannot be cancelled: a typed problem document.
const cancel = await client.DELETE("/jobs/{id}", { params: { path: { id } } });
const problem: Problem | undefined = cancel.error;
check(cancel.response.status === 409 && problem?.code === "job-finished", "cancelling a finished job is a 409 problem with its code");

// 6. Upload only the missing blobs (new sources: a line of this run's own), then compile from a manifest with Prefer: wait.
const files = [
  { path: "grump.json", content: Buffer.from('{ "name": "typescript-flow" }') },
  { path: "notes.intent", content: Buffer.from(`---\ntitle: Notes\n---\nAs a customer I want order history. Run ${key}.\n`) },
].map((f) => ({ ...f, sha256: createHash("sha256").update(f.content).digest("hex") }));
const missing = await client.POST("/blobs/missing", { body: { digests: files.map((f) => f.sha256) } });
check(missing.data?.missing.length === files.length, "POST /blobs/missing names the blobs not uploaded yet");
for (const file of files) {
  const put = await client.PUT("/blobs/{sha256}", {
    params: { path: { sha256: file.sha256 } },
    body: "", // a binary body is typed as a string; the serializer sends the bytes
    bodySerializer: () => file.content,
    headers: { "Content-Type": "application/octet-stream" },
  });
  check(put.response.status === 201, `PUT /blobs/${file.sha256.slice(0, 12)}… stores the blob`);
}
const waited = await client.POST("/compile/manifest", {
  params: { header: { Prefer: "wait=30" } },
  body: { files: files.map((f) => ({ path: f.path, sha256: f.sha256, size: f.content.length })), tier: "conservative", label: "from-typescript" },
});
check(waited.response.status === 200 && waited.data?.status === "succeeded", "POST /compile/manifest with Prefer: wait answers the finished job");
// 7. The webhooks section types what a receiver gets: the finished job fits a job.succeeded payload.
const payload: components["schemas"]["WebhookPayload"] = { type: "job.succeeded", timestamp: new Date().toISOString(), data: waited.data! };
check(payload.data.id === waited.data!.id, "a webhook payload carries the job as the API shows it");
console.log("typescript flow passed");
