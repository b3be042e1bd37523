#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests need (redis-server from
# Debian's packages; the test fixtures start and stop their own servers on free ports), builds, tests,
# and ends with one line of totals taken from the test reports.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then
  echo "Installing redis-server from Debian packages..."
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq redis-server >/dev/null
fi

# The README's CI example (ReadmeTests) reads the job's id with jq, as a workflow would; the job page is
# tested in headless Chromium (JobPageTests); the TypeScript client flow and the OpenAPI lint run on Node.js.
# All from Debian's packages.
missing=""
command -v jq >/dev/null 2>&1 || missing="$missing jq"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
  echo "Installing$missing from Debian packages..."
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi

# openapi.yaml must lint clean with Redocly's recommended rules (npm registry).
(cd tools/openapi-lint && npm ci --no-audit --no-fund --silent && npx --no-install redocly lint ../../openapi.yaml --format=summary) \
  || { echo "openapi.yaml does not lint clean (tools/openapi-lint)"; echo "0 passed, 1 failed"; exit 1; }

# From npm: the TypeScript client flow's packages (TypeScriptClientTests: openapi-typescript, openapi-fetch,
# tsc) and the deploy files' linters (DeployFilesTests: dclint, dockerfilelint).
for folder in tests/Grump.Hyper.Client.TypeScript tools/deploy-lint; do
  (cd "$folder" && npm ci --no-audit --no-fund --silent) \
    || { echo "npm ci failed in $folder (Node.js and npm are needed)"; echo "0 passed, 1 failed"; exit 1; }
done

results="$(pwd)/TestResults"
rm -rf "$results"
mkdir -p "$results"

# One build, then each test project on its own with a results folder of its own: with one shared
# folder the per-assembly reports were seen to overwrite each other, and then the totals lie.
dotnet build Grump.Hyper.Api.sln -c Release -nologo -v q "-clp:ErrorsOnly"
status=0
set +e
for project in tests/*.Tests/*.Tests.csproj; do
  name="$(basename "$project" .csproj)"
  dotnet test --project "$project" -c Release --no-build --results-directory "$results/$name" --report-xunit-xml --no-progress "$@"
  code=$?
  [ "$code" -ne 0 ] && status=$code
done
set -e

passed=0; failed=0; skipped=0; reports=0
for report in "$results"/*/*.xml; do
  [ -f "$report" ] || continue
  reports=$((reports + 1))
  for attr in passed failed skipped; do
    n=$(grep -o "<assembly [^>]*" "$report" | grep -o " $attr=\"[0-9]*\"" | grep -o "[0-9]*" | awk '{s+=$1} END {print s+0}')
    eval "$attr=\$(( $attr + n ))"
  done
done

projects=$(ls tests/*.Tests/*.Tests.csproj | wc -l)
if [ "$reports" -lt "$projects" ]; then
  echo "Only $reports of $projects test projects wrote a report: a test run did not start or crashed (exit code $status)."
  failed=$((failed + projects - reports))
  [ "$status" -eq 0 ] && status=1
fi

if [ "$reports" -eq 0 ]; then
  echo "No test report was written: the test run did not start (exit code $status)."
  echo "0 passed, 0 failed"
  exit 1
fi

# The failing tests again, after the logs, so the end of a CI log names them and their messages.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  for report in "$results"/*/*.xml; do
    # One line per <test> element (linear; a bounded-repeat grep over a one-line report took minutes).
    tr -d '\r' < "$report" | tr '\n' ' ' | sed 's/<test /\n<test /g' | grep 'result="Fail"' \
      | sed -E 's/<test [^>]*name="([^"]*)"[^>]*>.*<message>(<!\[CDATA\[)?/  - \1: /; s/(\]\]>)?<\/message>.*//' | cut -c1-1500 || true
  done
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
exit "$status"
