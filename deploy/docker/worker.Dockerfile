# syntax=docker/dockerfile:1
# The archiver worker (src/Archiver.Worker, assembly `archiver`). The build context is the repository root:
#
#   docker build -f deploy/docker/worker.Dockerfile -t archiver:dev .                               # Alpine (default)
#   docker build -f deploy/docker/worker.Dockerfile --target chiseled -t archiver:dev-chiseled .    # no shell at all
#
# Only global.json, Directory.*.props, src/Archiver.Domain, src/Archiver.Worker and migrations/ enter the image
# (.dockerignore keeps bin/, obj/, .run/, .git/ and the rest out; ../shared is outside the context and never needed).
# tests/Archiver.Deploy.Tests replays this build stage locally (same COPYs, same RUN commands) and checks that
# archiver.dll comes out.
#
# One image, three uses: `docker run IMAGE` is the worker; `docker run IMAGE migrate` applies the schema migrations (run
# it with the schema owner's connection string, and the worker with a limited login and Archive__MigrateOnStart=false);
# `docker run IMAGE console` is the reviewer console (Console__Address=0.0.0.0 and Console__Port, 8080 by default, set by
# the deployment: docker-compose.yml's `console` service, deploy/k8s/console-deployment.yaml; its probe is GET /health).

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
# Restore from the project files alone, so this layer stays cached until a dependency changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Archiver.Domain/Archiver.Domain.csproj src/Archiver.Domain/
COPY src/Archiver.Worker/Archiver.Worker.csproj src/Archiver.Worker/
RUN dotnet restore src/Archiver.Worker/Archiver.Worker.csproj
COPY src/Archiver.Domain/ src/Archiver.Domain/
COPY src/Archiver.Worker/ src/Archiver.Worker/
# The worker embeds migrations/*.sql (the only definition of the schema).
COPY migrations/ migrations/
RUN dotnet publish src/Archiver.Worker/Archiver.Worker.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# --target chiseled: Ubuntu chiseled ASP.NET runtime, no shell, no package manager, non-root (`app`, UID 1654) by
# default. It has no curl or wget, so there is no HEALTHCHECK: on Kubernetes the kubelet probes /health/live and
# /health/ready over HTTP itself (deploy/k8s/deployment.yaml), and Docker's HEALTHCHECK is not used there anyway.
# InvariantGlobalization is on (Directory.Build.props), so the plain chiseled image (no ICU, no tzdata) suffices.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS chiseled
WORKDIR /app
COPY --from=build /app ./
# ASPNETCORE_HTTP_PORTS (8080 in Microsoft's images) is cleared: the worker binds only Observability__Address:Port.
ENV ASPNETCORE_HTTP_PORTS= \
    Observability__Address=0.0.0.0 \
    Observability__Port=9400
EXPOSE 9400
USER $APP_UID
ENTRYPOINT ["dotnet", "archiver.dll"]

# Default target: the Alpine ASP.NET runtime. Small as well, and its busybox `wget` lets Docker and docker-compose run
# the HEALTHCHECK against /health/ready (database reachable, sessions connected, ingestion lag bounded).
# (Microsoft's Debian/Ubuntu .NET images ship without curl since .NET 8, so Alpine's busybox is the cheapest probe.)
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-alpine AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS= \
    Observability__Address=0.0.0.0 \
    Observability__Port=9400
EXPOSE 9400
# The checkpoint directory (Integrity__CheckpointDirectory in docker-compose.yml) and the console's data-protection keys
# directory (Console__KeysDirectory), owned by `app`: an empty named volume mounted on one starts as a copy of it, owner
# included, so the non-root worker and console can write there despite the read-only root. (On Kubernetes the chiseled
# image gets PersistentVolumeClaims instead, writable through fsGroup.)
RUN mkdir -p /var/lib/archiver/checkpoints /var/lib/archiver/console-keys \
    && chown "$APP_UID:$APP_UID" /var/lib/archiver/checkpoints /var/lib/archiver/console-keys
# `app` (UID 1654) is created by Microsoft's images; APP_UID names it.
USER $APP_UID
# Start period: a worker left at Archive__MigrateOnStart=true (the default) migrates before the host serves. The
# deployments here run `migrate` as a separate step with the schema owner's login instead (the same image, argument
# `migrate`: docker-compose.yml's `migrate` service, deploy/k8s/migrate-job.yaml) and the worker with false.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD wget -q -O /dev/null "http://127.0.0.1:${Observability__Port:-9400}/health/ready" || exit 1
ENTRYPOINT ["dotnet", "archiver.dll"]
