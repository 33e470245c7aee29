package dev.ampwatch.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agents and the analyzer share nothing but the schemas (as Kafka's import-control does). */
class ModuleBoundariesTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ampwatch");
    }

    @Test
    void powerAgentDependsOnNoOtherComponent() {
        noClasses().that().resideInAPackage("dev.ampwatch.power..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.trainer..", "dev.ampwatch.analyzer..",
                        "dev.ampwatch.broker..", "dev.ampwatch.cli..")
                .check(classes);
    }

    @Test
    void trainerAgentDependsOnNoOtherComponent() {
        noClasses().that().resideInAPackage("dev.ampwatch.trainer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.power..", "dev.ampwatch.analyzer..",
                        "dev.ampwatch.broker..", "dev.ampwatch.cli..")
                .check(classes);
    }

    @Test
    void analyzerDependsOnNoOtherComponent() {
        noClasses().that().resideInAPackage("dev.ampwatch.analyzer..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.power..", "dev.ampwatch.trainer..",
                        "dev.ampwatch.broker..", "dev.ampwatch.cli..")
                .check(classes);
    }

    /** The attribution rules and the watermark are pure: testable without Kafka, and not tied to one runtime. */
    @Test
    void analyzerEnergyAndTimelineKnowNeitherKafkaStreamsNorTheStreamsLayer() {
        noClasses().that().resideInAnyPackage("dev.ampwatch.analyzer.energy..", "dev.ampwatch.analyzer.timeline..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.streams..", "org.apache.kafka.clients..",
                        "dev.ampwatch.analyzer.streams..", "dev.ampwatch.analyzer.http..", "dev.ampwatch.analyzer.metrics..")
                .check(classes);
    }

    /**
     * The launcher wires; the domain lives in the modules (issue 10): it supervises no trainer process (follow's
     * FollowSession is the trainer's), picks no backend (DeviceChoice is the trainer's), and its power-agent
     * command and /metrics need nothing of the analyzer, broker or trainer (the agent's slim distribution).
     */
    @Test
    void theLauncherWiresWhatTheModulesDo() {
        noClasses().that().resideInAPackage("dev.ampwatch.cli..")
                .should().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName())
                .orShould().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.trainer.gpu..", "dev.ampwatch.trainer.cpu..")
                .check(classes);
        noClasses().that().haveSimpleNameStartingWith("PowerAgentCommand").or().haveSimpleName("MetricsEndpoint")
                .or().haveSimpleName("AgentMain").or().haveSimpleName("KafkaOptions").or().haveSimpleName("HostIdConverter")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.analyzer..", "dev.ampwatch.broker..",
                        "dev.ampwatch.trainer..", "org.apache.kafka.streams..")
                .check(classes);
    }

    /** Replay reads recorded files and publishes them as the agents would: it needs neither agent's runtime. */
    @Test
    void replayDependsOnNoOtherComponent() {
        noClasses().that().resideInAPackage("dev.ampwatch.replay..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.power..", "dev.ampwatch.analyzer..",
                        "dev.ampwatch.broker..", "dev.ampwatch.cli..", "dev.ampwatch.trainer.cpu..", "dev.ampwatch.trainer.gpu..")
                .check(classes);
    }

    @Test
    void schemasDependOnNothingOfOurs() {
        noClasses().that().resideInAPackage("dev.ampwatch.schema..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ampwatch.power..", "dev.ampwatch.trainer..",
                        "dev.ampwatch.analyzer..", "dev.ampwatch.broker..", "dev.ampwatch.cli..")
                .check(classes);
    }
}
