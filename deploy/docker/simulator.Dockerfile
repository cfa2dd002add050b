# syntax=docker/dockerfile:1
# The LivePerson simulator (src/Archiver.Simulator), for docker-compose and other container networks. Build context:
# the repository root.
#
#   docker build -f deploy/docker/simulator.Dockerfile -t archiver-simulator:dev .
#   docker run --rm -p 127.0.0.1:8080:8080 archiver-simulator:dev                 # --address 0.0.0.0 --port 8080 --scenario demo
#   docker run --rm archiver-simulator:dev --address 0.0.0.0 --port 8080 --seed 7  # arguments replace the default CMD
#
# The simulator binds 127.0.0.1 unless told otherwise; inside a container it must bind 0.0.0.0 (`--address`) to be
# reachable from the worker's container. Its CSDS answers with the Host header it was asked with, so a worker that
# uses `http://simulator:8080` as CsdsUrl is sent to `simulator:8080` for UMS and IDP as well.

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Archiver.Domain/Archiver.Domain.csproj src/Archiver.Domain/
COPY src/Archiver.Simulator/Archiver.Simulator.csproj src/Archiver.Simulator/
RUN dotnet restore src/Archiver.Simulator/Archiver.Simulator.csproj
COPY src/Archiver.Domain/ src/Archiver.Domain/
COPY src/Archiver.Simulator/ src/Archiver.Simulator/
RUN dotnet publish src/Archiver.Simulator/Archiver.Simulator.csproj -c Release -o /app --no-restore -p:UseAppHost=false

# Alpine ASP.NET runtime: busybox wget for the HEALTHCHECK (GET /control/stats answers 200 once Kestrel listens).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-alpine AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:8080/control/stats || exit 1
ENTRYPOINT ["dotnet", "Archiver.Simulator.dll"]
CMD ["--address", "0.0.0.0", "--port", "8080", "--scenario", "demo"]
