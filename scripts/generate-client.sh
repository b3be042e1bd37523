#!/usr/bin/env bash
# Regenerates the clients from openapi.yaml: the C# client with NSwag and the tests' Kiota client (local dotnet
# tools, .config/dotnet-tools.json). With a folder argument, writes them under that folder instead of the
# repository (OpenApiDocumentTests compares such a fresh generation with the checked-in clients).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.}"
nswag_file="$out/src/Grump.Hyper.Client/GrumpHyperClient.g.cs"
kiota_dir="$out/tests/Grump.Hyper.Client.Kiota/Generated"
mkdir -p "$(dirname "$nswag_file")"
dotnet tool restore >/dev/null
dotnet nswag openapi2csclient /input:openapi.yaml /output:"$nswag_file" \
  /namespace:Grump.Hyper.Client /className:GrumpHyperClient /jsonLibrary:SystemTextJson \
  /generateClientInterfaces:true /useBaseUrl:false /operationGenerationMode:SingleClientFromOperationId >/dev/null
# NSwag writes [EnumMember] for each enum value, which System.Text.Json ignores: without its own attribute an
# enum reads "job.started" as nothing and writes "Queued" for "queued". Each value gets the attribute it reads.
sed -i -E 's/\[System\.Runtime\.Serialization\.EnumMember\(Value = @"([^"]*)"\)\]/[System.Runtime.Serialization.EnumMember(Value = @"\1"), System.Text.Json.Serialization.JsonStringEnumMemberName("\1")]/' \
  "$nswag_file"

# The Kiota client the tests use (offline: no description search or lock from the network).
KIOTA_OFFLINE_ENABLED=true dotnet kiota generate -l CSharp -c GrumpHyperKiotaClient -n Grump.Hyper.Client.Kiota -d openapi.yaml \
  -o "$kiota_dir" --exclude-backward-compatible --clean-output --log-level Error >/dev/null
rm -f "$kiota_dir/.kiota.log"
