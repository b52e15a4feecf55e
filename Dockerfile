# One Dockerfile for every CRM process (five services and the gateway). Pick the process with two build args:
#
#   docker build -t crm/contacts:0.1.0 \
#     --build-arg PROJECT=services/Crm.Contacts/Crm.Contacts.csproj --build-arg ASSEMBLY=Crm.Contacts .
#
# (gateway: PROJECT=gateway/Crm.Gateway/Crm.Gateway.csproj ASSEMBLY=Crm.Gateway). docker-compose.yml and
# skaffold.yaml pass them for each image. Works with the classic builder and BuildKit (no BuildKit-only syntax).

# --- health probe --------------------------------------------------------------------------------------------
# The aspnet runtime image has no curl or wget. This 10-line console app GETs a URL and exits 0 on a 2xx answer,
# so docker-compose can check /health/ready. It does not depend on PROJECT, so all six builds share this layer.
# (Kubernetes does not need it: the charts use httpGet probes.)
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS probe
WORKDIR /probe
RUN printf '%s\n' \
      '<Project Sdk="Microsoft.NET.Sdk">' \
      '  <PropertyGroup>' \
      '    <OutputType>Exe</OutputType>' \
      '    <TargetFramework>net10.0</TargetFramework>' \
      '    <ImplicitUsings>enable</ImplicitUsings>' \
      '    <Nullable>enable</Nullable>' \
      '    <InvariantGlobalization>true</InvariantGlobalization>' \
      '    <UseAppHost>false</UseAppHost>' \
      '  </PropertyGroup>' \
      '</Project>' > HealthProbe.csproj \
 && printf '%s\n' \
      '// Usage: dotnet /probe/HealthProbe.dll <url>  -> exit 0 when the URL answers 2xx within 3 s, else 1.' \
      'using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };' \
      'try' \
      '{' \
      '    using var response = await http.GetAsync(new Uri(args[0]));' \
      '    Console.WriteLine($"{(int)response.StatusCode} {args[0]}");' \
      '    return response.IsSuccessStatusCode ? 0 : 1;' \
      '}' \
      'catch (Exception e)' \
      '{' \
      '    Console.WriteLine($"unhealthy: {e.Message}");' \
      '    return 1;' \
      '}' > Program.cs \
 && dotnet publish HealthProbe.csproj -c Release -o /probe/out --nologo

# --- build ---------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT
ARG ASSEMBLY
WORKDIR /src

# 1. Only what restore reads (SDK pin, shared MSBuild props, central package versions, the project graph), so the
#    package layer is reused until one of these files changes. Every process references ServiceDefaults, which
#    references Contracts.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY contracts/Crm.Contracts/Crm.Contracts.csproj contracts/Crm.Contracts/
COPY services/Crm.ServiceDefaults/Crm.ServiceDefaults.csproj services/Crm.ServiceDefaults/
COPY ${PROJECT} ${PROJECT}
RUN : "${ASSEMBLY:?pass --build-arg ASSEMBLY, e.g. Crm.Contacts}" \
 && dotnet restore "$PROJECT"

# 2. The sources. contacts, leads and messaging compile contracts/protos/contacts.proto (Grpc.Tools).
#    bin/, obj/, tests/ and charts/ are kept out by .dockerignore, so the restore output above survives.
COPY .editorconfig ./
COPY contracts/Crm.Contracts/ contracts/Crm.Contracts/
COPY contracts/protos/ contracts/protos/
COPY services/ services/
COPY gateway/ gateway/
RUN dotnet publish "$PROJECT" -c Release --no-restore -o /app -p:UseAppHost=false --nologo \
 && test -f "/app/$ASSEMBLY.dll"

# --- runtime -------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
ARG ASSEMBLY
WORKDIR /app
COPY --from=build /app ./
COPY --from=probe /probe/out /probe/

# Ports come from Ports__Http / Ports__Grpc / Ports__Management (8080 REST, 8081 gRPC h2c for contacts only,
# 8090 health). The process binds them itself, so the image's ASPNETCORE_HTTP_PORTS default is cleared.
# The only files a process writes are its SQLite database (Storage:DataDirectory, unused with Storage__Provider=
# mongo) and Messaging's .eml pickup folder (used only when no Smtp__Host is set): both under /tmp, so the root
# filesystem can be read-only with an emptyDir (or tmpfs) on /tmp.
ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS="" \
    DOTNET_APP=${ASSEMBLY}.dll \
    Storage__DataDirectory=/tmp/data \
    Smtp__PickupDirectory=/tmp/mail-pickup
EXPOSE 8080 8081 8090

# Non-root: APP_UID (1654, user "app") is defined by the .NET images.
USER $APP_UID

# exec: dotnet becomes PID 1 and receives SIGTERM directly (graceful shutdown of Kestrel and MassTransit).
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet \"$DOTNET_APP\""]
