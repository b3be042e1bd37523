# Multi-stage build of the API (also the worker: pass --role worker). Not built in CI here (no Docker engine).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig Grump.Hyper.Api.sln ./
COPY src/ src/
RUN dotnet publish src/Grump.Hyper.Api/Grump.Hyper.Api.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /app ./
# The image's non-root user; the data folder is only used without Redis.
RUN mkdir -p /app/data && chown -R app:app /app/data
# Numeric, so Kubernetes can check runAsNonRoot against it (the image's app user is 1654, $APP_UID).
USER $APP_UID
ENV ASPNETCORE_URLS=http://+:8080 \
    Hyper__DataPath=/app/data
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=3 CMD curl -fsS http://localhost:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "Grump.Hyper.Api.dll"]
