package dev.ampwatch.cli;

import dev.ampwatch.schema.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The least each role needs on a cluster with an authorizer, as Kafka ACLs (docs/operations.md, "Security"):
 * a rig's agent writes power samples, a trainer writes training events, the analyzer reads both and writes
 * its outputs and its own internal topics, a reader (report, dashboards' tooling) reads the outputs, a curator
 * (ampwatch exclude) reads them and writes run exclusions. Nothing
 * else: an agent cannot write training events, a trainer cannot write samples, no role but the analyzer
 * writes run energy.
 */
@Command(name = "acls", mixinStandardHelpOptions = true,
        description = "Grants each ampwatch role the least it needs on a Kafka cluster with an authorizer (as an admin: "
                + "--kafka-config with a user allowed to alter ACLs), or prints the ACLs with --dry-run.")
final class AclsCommand implements Callable<Integer> {
    @Option(names = "--agent", paramLabel = "PRINCIPAL", description = "The power-agents' principal (e.g. User:agent).")
    String agent;

    @Option(names = "--trainer", paramLabel = "PRINCIPAL", description = "The principal of train, sweep, follow, infer and profile (e.g. User:trainer).")
    String trainer;

    @Option(names = "--analyzer", paramLabel = "PRINCIPAL", description = "The analyzers' principal (e.g. User:analyzer).")
    String analyzer;

    @Option(names = "--reader", paramLabel = "PRINCIPAL", description = "A principal that reads the results (ampwatch report, ampwatch dead-letters).")
    String reader;

    @Option(names = "--curator", paramLabel = "PRINCIPAL",
            description = "A principal that leaves runs out of their statistics (ampwatch exclude): reads the results, writes run exclusions.")
    String curator;

    @Option(names = "--application-id", defaultValue = "ampwatch-analyzer",
            description = "The analyzers' --application-id: prefix of their groups, transactions and internal topics (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--dry-run", description = "Print the ACLs, change nothing.")
    boolean dryRun;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() throws Exception {
        if (agent == null && trainer == null && analyzer == null && reader == null && curator == null) {
            throw new IllegalArgumentException("name at least one role: --agent, --trainer, --analyzer, --reader or --curator PRINCIPAL");
        }
        List<AclBinding> acls = bindings(kafka.topics());
        for (AclBinding acl : acls) {
            System.out.println(describe(acl));
        }
        if (dryRun) {
            return 0;
        }
        Map<String, Object> client = kafka.reachableClientProperties();
        try (Admin admin = Admin.create(client)) {
            admin.createAcls(acls).all().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("cannot create the ACLs at " + client.get("bootstrap.servers") + ": " + e.getCause().getMessage()
                    + " (does the cluster have an authorizer, and may this user alter ACLs?)", e.getCause());
        }
        System.out.println(acls.size() + " ACLs in place");
        return 0;
    }

    List<AclBinding> bindings(Topics topics) {
        List<AclBinding> out = new ArrayList<>();
        if (agent != null) {
            topic(out, agent, topics.powerSamples().name(), AclOperation.WRITE, AclOperation.DESCRIBE);
            out.add(allow(agent, ResourceType.TRANSACTIONAL_ID, "ampwatch-power-agent-", PatternType.PREFIXED, AclOperation.WRITE));
            out.add(allow(agent, ResourceType.TRANSACTIONAL_ID, "ampwatch-power-agent-", PatternType.PREFIXED, AclOperation.DESCRIBE));
        }
        if (trainer != null) {
            topic(out, trainer, topics.trainingEvents().name(), AclOperation.WRITE, AclOperation.DESCRIBE);
            // profile and follow --profile-epochs read their run's energy back (RunEnergyWatcher's groups)
            topic(out, trainer, topics.runEnergy().name(), AclOperation.READ, AclOperation.DESCRIBE);
            out.add(allow(trainer, ResourceType.GROUP, RunEnergyWatcher.GROUP_PREFIX, PatternType.PREFIXED, AclOperation.READ));
            // ... and check first that the analyzer's group has members and that this host's readings arrive (PipelineCheck)
            out.add(allow(trainer, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.DESCRIBE));
            topic(out, trainer, topics.powerSamples().name(), AclOperation.READ);
        }
        if (analyzer != null) {
            for (String input : List.of(topics.powerSamples().name(), topics.trainingEvents().name())) {
                topic(out, analyzer, input, AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            }
            // the statistics' input of run exclusions (ampwatch exclude)
            topic(out, analyzer, topics.runExclusions().name(), AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            for (String output : List.of(topics.runEnergy().name(), topics.experimentStats().name(), topics.deadLetters())) {
                // run energy is also read back (the statistics and the REST API stand on it)
                topic(out, analyzer, output, AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
            }
            // its changelogs and the statistics' internal topics, created, read, written and purged by it alone
            out.add(allow(analyzer, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, AclOperation.ALL));
            out.add(allow(analyzer, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.READ));
            out.add(allow(analyzer, ResourceType.GROUP, applicationId, PatternType.PREFIXED, AclOperation.DESCRIBE));
            out.add(allow(analyzer, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.WRITE));
            out.add(allow(analyzer, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.DESCRIBE));
        }
        if (reader != null) {
            for (String output : List.of(topics.runEnergy().name(), topics.experimentStats().name(), topics.trainingEvents().name())) {
                topic(out, reader, output, AclOperation.READ, AclOperation.DESCRIBE);
            }
            out.add(allow(reader, ResourceType.GROUP, "ampwatch-report-", PatternType.PREFIXED, AclOperation.READ));
            // ampwatch dead-letters, where the AnalyzerDeadLetters alert's runbook sends the operator
            topic(out, reader, topics.deadLetters(), AclOperation.READ, AclOperation.DESCRIBE);
            out.add(allow(reader, ResourceType.GROUP, DeadLettersCommand.GROUP_PREFIX, PatternType.PREFIXED, AclOperation.READ));
        }
        if (curator != null) {
            // ampwatch exclude: a run's experiment from run energy, the statistics with --wait, and the exclusions
            for (String output : List.of(topics.runEnergy().name(), topics.experimentStats().name())) {
                topic(out, curator, output, AclOperation.READ, AclOperation.DESCRIBE);
            }
            // --undo reads what holds from the topic itself
            topic(out, curator, topics.runExclusions().name(), AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE);
            out.add(allow(curator, ResourceType.GROUP, "ampwatch-report-", PatternType.PREFIXED, AclOperation.READ));
            out.add(allow(curator, ResourceType.GROUP, dev.ampwatch.cli.report.ExcludeCommand.GROUP_PREFIX, PatternType.PREFIXED,
                    AclOperation.READ));
        }
        return out;
    }

    private static void topic(List<AclBinding> out, String principal, String topic, AclOperation... operations) {
        for (AclOperation op : operations) {
            out.add(allow(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, op));
        }
    }

    private static AclBinding allow(String principal, ResourceType type, String name, PatternType pattern, AclOperation op) {
        if (!principal.contains(":")) {
            throw new IllegalArgumentException("principal " + principal + " is not TYPE:NAME (e.g. User:" + principal + ")");
        }
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private static String describe(AclBinding acl) {
        return String.format("%-14s %-8s %-16s %-9s %s", acl.entry().principal(), "ALLOW", acl.entry().operation(),
                acl.pattern().resourceType() + (acl.pattern().patternType() == PatternType.PREFIXED ? "*" : ""), acl.pattern().name());
    }
}
