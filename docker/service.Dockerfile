# One image per hybrid-cdn service module: docker compose builds it with MODULE=<module>.
# Build context: the repository root. Stage 1 builds the module's runnable jar with Maven
# (target/<module>.jar plus target/lib); stage 2 runs it on a JRE.
FROM maven:3.9-eclipse-temurin-17 AS build
ARG MODULE
WORKDIR /src
COPY . .
RUN test -n "$MODULE" && mvn -B -q -pl "$MODULE" -am package -DskipTests

FROM eclipse-temurin:17-jre
ARG MODULE
# curl for the compose health checks.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/${MODULE}/target/${MODULE}.jar /app/service.jar
COPY --from=build /src/${MODULE}/target/lib /app/lib
COPY media /media
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60"
ENTRYPOINT ["java", "-jar", "/app/service.jar"]
