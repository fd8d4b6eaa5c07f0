# kq on Debian slim, for docker-compose.yml. The test suite runs these same
# RUN steps on the CI machine (tests/e2e/t810-docker.sh).
FROM debian:bookworm-slim
WORKDIR /usr/src/kq
COPY . .
RUN apt-get update -qq && sh scripts/deps.sh && apt-get install -y -qq --no-install-recommends kcat jq
RUN make clean && make && make install PREFIX=/usr/local
ENV KQ_BROKERS=kafka:29092
CMD ["sleep", "infinity"]
