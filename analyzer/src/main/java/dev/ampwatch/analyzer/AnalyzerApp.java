package dev.ampwatch.analyzer;

import dev.ampwatch.analyzer.direct.DirectEngine;
import dev.ampwatch.analyzer.http.HttpApi;
import dev.ampwatch.analyzer.http.HttpApi.Response;
import dev.ampwatch.analyzer.metrics.RunMetrics;
import dev.ampwatch.analyzer.query.RunQueries;
import dev.ampwatch.analyzer.streams.AnalyzerTopology;
import dev.ampwatch.analyzer.streams.CoPartitioning;
import dev.ampwatch.analyzer.streams.InternalTopics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running analyzer: its HTTP endpoint (bound first, so other instances can be told where it is),
 * the Kafka Streams app, and the Prometheus registry. Closed in reverse order.
 */
public final class AnalyzerApp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzerApp.class);

    /** The Kafka Streams application id of the statistics on the direct engine: the application id + this. */
    public static final String STATISTICS_SUFFIX = "-stats";

    private final HttpApi http;
    private final DirectEngine engine; // null on the Kafka Streams engine
    private final KafkaStreams streams;
    private final PrometheusMeterRegistry registry;
    private final KafkaStreamsMetrics streamsMetrics;
    private final ClientMetrics clientMetrics;
    private final CountDownLatch running;
    private final MetricsReadBack readBack;

    private AnalyzerApp(HttpApi http, DirectEngine engine, KafkaStreams streams, PrometheusMeterRegistry registry,
                        KafkaStreamsMetrics streamsMetrics, ClientMetrics clientMetrics, CountDownLatch running,
                        MetricsReadBack readBack) {
        this.readBack = readBack;
        this.http = http;
        this.engine = engine;
        this.streams = streams;
        this.registry = registry;
        this.streamsMetrics = streamsMetrics;
        this.clientMetrics = clientMetrics;
        this.running = running;
    }

    /**
     * The statistics app (direct engine) runs at least once, reading committed records only. Its results are idempotent
     * (the run-energy table keeps each run's latest record, an experiment's runs are replaced by run id), so a record
     * processed twice changes nothing. Exactly-once lost {@code /runs} for good: a commit that timed out in a broker
     * outage closed the run-energy task dirty, which wiped its store, while the abort of the transaction failed and left
     * the task's written changelog offsets behind; the state updater, waiting out the outage for the changelog's end
     * offset, checkpointed those as the restored store's position, and the restore then began there, after every run
     * finished before the outage (Kafka Streams 4.3.1; an operator review saw 1 of 15 runs on {@code /runs}, the changelog
     * holding all 15). At least once there is no wipe and no aborted transaction, and no fencing either: so the
     * run-energy table has no changelog of its own, which an instance paused past its session timeout wrote its stale
     * running totals into after the new owner's final records (a review: {@code /runs} RUNNING at 27 % of the joules, for
     * good); it restores from the run-energy topic, which only the fenced attribution writes
     * ({@link AnalyzerTopology#statisticsOptimizations}), and a store ahead of its checkpoint is restored over with the
     * same records.
     */
    static void statisticsGuarantee(Properties props) {
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        // no changelog that a paused (zombie) instance could write to: the run table restores from run-energy itself
        props.putAll(AnalyzerTopology.statisticsOptimizations());
        // a dead instance's run-store partitions answer nobody until its session times out: /runs answered 502 on every
        // instance for 45 s after a kill -9 (a review); as the attribution's members (DirectEngine), unless given
        // no record cache: the experiments' store writes its changelog as it changes. With the cache, an instance paused
        // past its commit interval flushed what it held before the pause at the first commit after it, over what the
        // partition's new owner wrote meanwhile (the review's stale running total came that way)
        props.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        String session = org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG;
        if (!props.containsKey(session) && !props.containsKey(StreamsConfig.consumerPrefix(session))
                && !props.containsKey(StreamsConfig.mainConsumerPrefix(session))) {
            props.put(StreamsConfig.mainConsumerPrefix(session), dev.ampwatch.analyzer.direct.DirectEngine.SESSION_TIMEOUT_MS);
            props.putIfAbsent(StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                    1_000);
        }
        // the run energy is written in transactions (the direct engine): an aborted one is not a run's energy
        props.put(StreamsConfig.mainConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                "read_committed");
        // changelogs written by an earlier, exactly-once analyzer hold aborted records too
        props.put(StreamsConfig.restoreConsumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                "read_committed");
    }

    /**
     * @param clientProperties Kafka client settings (bootstrap.servers, SASL/TLS), passed through
     * @param httpHost address of /metrics, /health and /runs; also what other instances are told to call
     * @param httpPort 0 picks a free port
     * @param metricsRetention how long a finished run's series stay on /metrics
     */
    public static AnalyzerApp start(AnalyzerConfig requested, Map<String, ?> clientProperties, String httpHost,
                                    int httpPort, Duration metricsRetention) {
        AnalyzerConfig config;
        AnalyzerConfig streamsConfig;
        Topology topology;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunMetrics runMetrics = new RunMetrics(registry, metricsRetention, Clock.systemUTC());
        boolean direct = requested.engine() == AnalyzerConfig.Engine.DIRECT;
        // the attribution's processors look up their stream thread's consumer (HostProcessor), or its metrics
        dev.ampwatch.analyzer.streams.MainConsumers mainConsumers = new dev.ampwatch.analyzer.streams.MainConsumers();
        // input partitions whose leader does not answer: their hosts wait (Receiving)
        dev.ampwatch.analyzer.streams.UnansweredPartitions unanswered = new dev.ampwatch.analyzer.streams.UnansweredPartitions();
        io.micrometer.core.instrument.Gauge.builder("ampwatch.analyzer.input.partitions.unanswered", unanswered,
                        dev.ampwatch.analyzer.streams.UnansweredPartitions::count)
                .description("Input partitions without a leader, or whose broker has not answered for longer than the break time, "
                        + "or whose thread's commit has waited on Kafka as long: the hosts on them are held, not judged idle or quiet")
                .register(registry);
        java.util.concurrent.atomic.AtomicReference<KafkaStreams> streamsHolder = new java.util.concurrent.atomic.AtomicReference<>();
        // one admin client for what start-up asks the cluster: output limits, co-partitioning, internal topics
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(adminProperties(clientProperties))) {
            config = requested.toBuilder().maxOutputBytes(maxOutputBytes(admin, requested, clientProperties)).build();
            // on the direct engine Kafka Streams runs the statistics only, as its own application (group)
            streamsConfig = direct ? config.withApplicationId(config.applicationId() + STATISTICS_SUFFIX) : config;
            topology = direct ? AnalyzerTopology.statisticsTopology(streamsConfig, runMetrics)
                    : AnalyzerTopology.buildTopology(config, runMetrics, receivingFor(config, clientProperties, mainConsumers, streamsHolder, unanswered));
            java.util.OptionalInt inputs = CoPartitioning.check(admin, config.topics());
            inputs.ifPresent(runMetrics::inputPartitions); // which hosts a partition moving here or away holds
            java.util.List<org.apache.kafka.clients.admin.NewTopic> internal = new java.util.ArrayList<>();
            if (direct) {
                inputs.ifPresent(n -> internal.add(DirectEngine.changelogTopic(DirectEngine.changelogTopic(config), n,
                        AnalyzerTopology.replicationFactor(clientProperties))));
                CoPartitioning.partitions(admin, config.topics().runEnergy().name()).ifPresent(n -> internal.addAll(
                        AnalyzerTopology.internalTopics(streamsConfig, topology, AnalyzerTopology.STATISTICS_SOURCE_BACKED_STORES, n,
                                clientProperties)));
            } else {
                inputs.ifPresent(n -> internal.addAll(AnalyzerTopology.internalTopics(config, topology, n, clientProperties)));
            }
            InternalTopics.createExclusionsTopic(admin, config.topics(), AnalyzerTopology.replicationFactor(clientProperties));
            java.util.Set<String> created = InternalTopics.create(admin, internal);
            dev.ampwatch.analyzer.streams.ExperimentRunsSeed.seedWhereNeeded(admin, created, clientProperties, config.topics(),
                    streamsConfig.applicationId(), !direct);
        }
        HttpApi http = HttpApi.bind(httpHost, httpPort);
        Properties props = AnalyzerTopology.streamsProperties(streamsConfig, clientProperties, runMetrics);
        HostInfo self = new HostInfo(httpHost, http.port());
        props.putIfAbsent(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        // the default client id carries a new UUID per start: ~1,100 new Prometheus series at every restart
        String clientId = config.applicationId() + "-" + self.host() + "-" + self.port();
        props.putIfAbsent(StreamsConfig.CLIENT_ID_CONFIG, clientId);
        if (direct) {
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1); // the statistics are light; the threads attribute
            statisticsGuarantee(props);
        } else if (StreamsConfig.EXACTLY_ONCE_V2.equals(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))) {
            // reproduced (benchmarks/outage/runs-store-outage.sh): the stores restore from a failed transaction's offsets
            LOG.warn("engine streams: after a commit that timed out in a broker outage of three minutes or more, Kafka Streams {}"
                    + " can restore this analyzer's stores (host timelines, /runs) from past their changelog's start and so lose"
                    + " what they held (docs/operations.md); the default engine (--engine direct) does not",
                    org.apache.kafka.common.utils.AppInfoParser.getVersion());
        }
        runMetrics.expectDeadLetters(config.topics());
        KafkaStreams streams = new KafkaStreams(topology, props, mainConsumers);
        streamsHolder.set(streams);
        KafkaStreamsMetrics streamsMetrics = null;
        ClientMetrics clientMetrics = new ClientMetrics(registry, config.kafkaClientMetrics());
        if (config.kafkaClientMetrics()) {
            streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
        }
        CountDownLatch running = new CountDownLatch(1);
        // reads the stores off the engines' threads, one pass at a time
        java.util.concurrent.ExecutorService restorer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "ampwatch-metrics-restore");
            t.setDaemon(true);
            return t;
        });
        MetricsReadBack readBack = new MetricsReadBack(clientProperties, config.topics().runEnergy().name(),
                config.topics().runEnergy().valueSerde().deserializer(), metricsRetention, Clock.systemUTC(), runMetrics,
                restorer, self);
        // a partition of hosts gained (at start, or a rebalance: another instance left or this one took over): the finished
        // runs of its hosts within the retention, read back (an operator review: they had vanished from every instance)
        runMetrics.whenPartitionsGained(readBack::finishedRuns);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                // the stores are restored now: the experiments' statistics of the partitions this instance has (at start,
                // what was computed before it; after a rebalance, those gained, and those lost no longer exported)
                readBack.experiments(streams);
                readBack.finishedRuns(); // where the partition count is unknown, no partition is gained: every host is ours
                running.countDown();
            }
        });
        ThreadFailures failures = new ThreadFailures(Clock.systemUTC());
        java.util.function.Consumer<Throwable> streamsFailed = failures.recorder(registry, "kafka-streams");
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("analyzer stream thread failed; replacing it", e);
            streamsFailed.accept(e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        DirectEngine engine = direct ? new DirectEngine(config, clientProperties, runMetrics, clientId, failures.recorder(registry, "direct"),
                clientMetrics::bind, unanswered) : null;
        if (engine != null) {
            engine.start(); // its members join the group while the rest starts
        }
        RunQueries queries = new RunQueries(streams, self);
        http.route("/metrics", (path, query) -> {
                    runMetrics.retireExpired(); // runs finished longer ago than the retention go, even with no new run energy
                    return new Response(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
                })
                .route("/health", (path, query) -> {
                    if (!streams.state().isRunningOrRebalancing()) {
                        return Response.text(503, "DOWN statistics " + streams.state() + "\n");
                    }
                    if (engine != null && !engine.isAlive()) {
                        return Response.text(503, "DOWN attribution " + engine.state() + "\n");
                    }
                    return failures.problem().map(why -> Response.text(503, "DOWN " + why + "\n"))
                            .orElseGet(() -> Response.text(200, "UP\n"));
                })
                .routeWithIds("/runs", (path, query) -> {
                    boolean local = query != null && query.contains("local=true");
                    String rest = path.substring("/runs".length());
                    if (rest.isEmpty() || rest.equals("/")) {
                        return queries.runs(limit(query), local);
                    }
                    return queries.run(URLDecoder.decode(rest.substring(1), StandardCharsets.UTF_8), local);
                })
                .route("/experiments/", (path, query) -> queries.experiment(URLDecoder.decode(
                        path.substring("/experiments/".length()), StandardCharsets.UTF_8),
                        query != null && query.contains("local=true")));
        try {
            streams.start();
            http.start();
        } catch (RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            http.close();
            readBack.close();
            throw e;
        }
        LOG.info("analyzer {} started ({} engine); http://{}:{}/metrics and /runs", config.applicationId(),
                config.engine().name().toLowerCase(java.util.Locale.ROOT), httpHost, http.port());
        return new AnalyzerApp(http, engine, streams, registry, streamsMetrics, clientMetrics, running, readBack);
    }

    /**
     * The largest result record to send: the smallest of the producer's {@code max.request.size} and the
     * run-energy and experiment-stats topics' {@code max.message.bytes}, less room for the batch; Kafka's defaults when the topic
     * cannot be described (it does not exist yet, or no DESCRIBE_CONFIGS right).
     */
    static int maxOutputBytes(org.apache.kafka.clients.admin.Admin admin, AnalyzerConfig config, Map<String, ?> clientProperties) {
        long producer = 1024 * 1024;
        for (String key : java.util.List.of("max.request.size", "producer.max.request.size")) {
            Object v = clientProperties.get(key);
            if (v != null) {
                producer = Long.parseLong(v.toString().trim());
            }
        }
        long topic = 1024 * 1024;
        var described = admin.describeConfigs(java.util.stream.Stream.of(config.topics().runEnergy().name(), config.topics().experimentStats().name())
                .map(n -> new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, n))
                .toList()).values(); // one request for both
        for (var e : described.entrySet()) {
            try {
                var entry = e.getValue().get(30, java.util.concurrent.TimeUnit.SECONDS).get("max.message.bytes");
                if (entry != null && entry.value() != null) {
                    topic = Math.min(topic, Long.parseLong(entry.value()));
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
                LOG.info("cannot read max.message.bytes of {} ({}); assuming Kafka's default", e.getKey().name(), ex.getMessage());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        long smallest = Math.min(producer, topic);
        long limit = smallest - Math.min(4096, smallest / 8); // the batch's and the record's overhead, headers
        return (int) Math.max(1024, Math.min(Integer.MAX_VALUE, limit));
    }

    /** The client settings an Admin client accepts (connection and security), without Streams-only ones. */
    private static Map<String, Object> adminProperties(Map<String, ?> clientProperties) {
        Map<String, Object> admin = new java.util.HashMap<>();
        var known = org.apache.kafka.clients.admin.AdminClientConfig.configNames();
        clientProperties.forEach((k, v) -> {
            if (known.contains(k)) {
                admin.put(k, v);
            }
        });
        return admin;
    }

    private static int limit(String query) {
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.startsWith("limit=")) {
                    String v = part.substring("limit=".length());
                    try {
                        int n = Integer.parseInt(v);
                        if (n >= 1) {
                            return n;
                        }
                    } catch (NumberFormatException e) {
                        // answered below
                    }
                    throw new HttpApi.BadRequest("limit must be a whole number of at least 1");
                }
            }
        }
        return 100;
    }

    /**
     * Waits until the attribution has its partitions (restored) and the statistics app first reaches
     * RUNNING; false on timeout.
     */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (engine != null && !engine.awaitRunning(timeout)) {
            return false;
        }
        return running.await(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
    }

    /**
     * On the direct engine, {@link System#nanoTime()} when its first member had its partitions (restored) and began to
     * attribute, taken by the member itself; empty on the Kafka Streams engine and before. For benchmarks.
     */
    public java.util.OptionalLong attributingSinceNanos() {
        return engine == null ? java.util.OptionalLong.empty() : engine.attributingSinceNanos();
    }

    /** What runs and in which state, for messages. */
    public String state() {
        return engine == null ? streams.state().toString() : "attribution " + engine.state() + ", statistics " + streams.state();
    }

    /** The port /metrics, /health and /runs listen on. */
    public int httpPort() {
        return http.port();
    }

    @Override
    public void close() {
        http.close();
        readBack.close(); // before Kafka Streams: a read-back queued behind it would find the stores closed
        if (engine != null) {
            engine.close(); // commits what it processed and leaves the group
        }
        // leave the group: Kafka Streams stays in it by default, so an analyzer started again within the
        // session timeout (45 s) waited for its old self to time out before it got any partition
        streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (streamsMetrics != null) {
            streamsMetrics.close();
        }
        clientMetrics.close();
        registry.close();
    }

    /**
     * Since when a Kafka Streams main consumer (by client id) has been receiving, its tasks judged on their own
     * partitions too where Kafka Streams made it through {@code consumers} (Receiving); else (a consumer Kafka Streams
     * makes itself: {@code group.protocol=streams}) from the client's metrics alone, as one; null, with a warning,
     * where it has no fetch-total metric (idle rules then count outages too).
     */
    private static java.util.function.Function<String, dev.ampwatch.analyzer.streams.Receiving> receivingFor(
            AnalyzerConfig config, Map<String, ?> clientProperties, dev.ampwatch.analyzer.streams.MainConsumers consumers,
            java.util.concurrent.atomic.AtomicReference<KafkaStreams> streams, dev.ampwatch.analyzer.streams.UnansweredPartitions unanswered) {
        long breakMs = dev.ampwatch.analyzer.streams.Receiving.breakFor(config, dev.ampwatch.analyzer.streams.Receiving.fetchMaxWaitMs(
                clientProperties, "main.consumer.fetch.max.wait.ms", "consumer.fetch.max.wait.ms", "fetch.max.wait.ms"));
        java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet(); // once per consumer, not per task
        return clientId -> {
            org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> c = consumers.get(clientId);
            if (c != null) {
                dev.ampwatch.analyzer.streams.Receiving r = dev.ampwatch.analyzer.streams.Receiving.of(c, breakMs, unanswered);
                if (r != null) {
                    return r;
                }
            }
            KafkaStreams s = streams.get();
            dev.ampwatch.analyzer.streams.Receiving r = s == null ? null : dev.ampwatch.analyzer.streams.Receiving.of(s.metrics(), clientId, breakMs);
            if (!warned.add(clientId)) {
                return r;
            }
            if (r == null) {
                LOG.warn("no fetch-total metric for Kafka Streams consumer {}; idle and quiet times count broker outages too", clientId);
            } else if (c == null) {
                LOG.warn("Kafka Streams made consumer {} itself (not through the analyzer's client supplier): its tasks are judged "
                        + "receiving as the whole consumer, so a partition without a leader does not hold its hosts", clientId);
            }
            return r;
        };
    }
}
