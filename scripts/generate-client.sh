#!/usr/bin/env bash
# Regenerates the C# client from openapi.yaml with NSwag (a local dotnet tool, .config/dotnet-tools.json).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet nswag openapi2csclient /input:openapi.yaml /output:src/Grump.Hyper.Client/GrumpHyperClient.g.cs \
  /namespace:Grump.Hyper.Client /className:GrumpHyperClient /jsonLibrary:SystemTextJson \
  /generateClientInterfaces:true /useBaseUrl:false /operationGenerationMode:SingleClientFromOperationId
