package dev.ampwatch.power.wattmeter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ampwatch.power.FakeClock;
import dev.ampwatch.power.PowerReading;
import dev.ampwatch.power.PowerSession;
import dev.ampwatch.power.PowerSourceException;
import dev.ampwatch.power.SourceContext;
import dev.ampwatch.schema.Component;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serial source, fed through a named pipe, a plain file, and (where python3 is there) a pty. */
class SerialLineSessionTest {

    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final String RECORD_1 = "#d,-,18,1234,1191,970,56,_,_,_,_,_,_,_,_,_,95,_,_,_,_;";
    private static final String RECORD_2 = "#d,-,18,2500,1190,2100,57,_,_,_,_,_,_,_,_,_,95,_,_,_,_;";

    @TempDir
    Path tmp;

    private final FakeClock clock = new FakeClock(T0);

    private PowerSession open(Path port, String... more) throws PowerSourceException {
        Map<String, String> settings = new HashMap<>(Map.of(WattmeterSource.TYPE, "serial",
                WattmeterSource.PORT, port.toString()));
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return new WattmeterSource(Map.of()).open(new SourceContext("rig-1", clock, settings));
    }

    /** Reads until something arrives; each read consumes what the reader thread kept. */
    private static List<PowerReading> awaitReadings(PowerSession session, Instant at) {
        AtomicReference<List<PowerReading>> got = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<PowerReading> r = session.read(at);
            got.set(r);
            return !r.isEmpty();
        });
        return got.get();
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
    }

    @Test
    void wattsUpRecordsThroughANamedPipe() throws Exception {
        Path fifo = tmp.resolve("wattsup.fifo");
        Process mkfifo;
        try {
            mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e.getMessage());
            return;
        }
        assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");

        try (PowerSession session = open(fifo);
             OutputStream writer = Files.newOutputStream(fifo, StandardOpenOption.WRITE)) {
            assertThat(session.read(T0)).isEmpty();
            writer.write((RECORD_1 + "\r\n").getBytes(StandardCharsets.US_ASCII));
            writer.flush();
            List<PowerReading> first = awaitReadings(session, T0);
            assertThat(first).hasSize(1);
            PowerReading r = first.get(0);
            assertThat(r.component()).isEqualTo(Component.WALL);
            assertThat(r.device()).isEqualTo("wall");
            assertThat(r.powerWatts()).hasValue(123.4);
            assertThat(r.energyUj()).hasValue(20_160_000_000L); // 5.6 Wh
            assertThat(r.eventTime()).isEqualTo(T0); // when the line arrived, by the agent's clock
            assertThat(session.read(T0)).isEmpty(); // handed out once

            clock.advance(Duration.ofSeconds(1));
            writer.write((RECORD_2 + "\r\n").getBytes(StandardCharsets.US_ASCII));
            writer.flush();
            PowerReading second = awaitReadings(session, T0.plusSeconds(1)).get(0);
            assertThat(second.powerWatts()).hasValue(250.0);
            assertThat(second.eventTime()).isEqualTo(T0.plusSeconds(1));
        }
    }

    @Test
    void aCustomLineFormatThroughAFileBeingAppendedKeepsOnlyTheLatest() throws Exception {
        Path log = Files.createFile(tmp.resolve("meter.log"));
        try (PowerSession session = open(log, WattmeterSource.LINE_FORMAT, "P=(?<watts>[0-9.]+) E=(?<wh>[0-9.]+)",
                WattmeterSource.DEVICE, "rig-psu")) {
            append(log, "meter v1.2 ready\nP=100.5 E=10.0\n");
            PowerReading r = awaitReadings(session, T0).get(0);
            assertThat(r.device()).isEqualTo("rig-psu");
            assertThat(r.powerWatts()).hasValue(100.5);
            assertThat(r.energyUj()).hasValue(36_000_000_000L);

            SerialLineSession serial = (SerialLineSession) session;
            append(log, "P=200 E=10.1\nP=300 E=10.2\n");
            // both lines are parsed; only the latest is kept
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<PowerReading> latest = new ArrayList<>(session.read(T0));
                assertThat(latest).singleElement().satisfies(x -> assertThat(x.powerWatts()).hasValue(300.0));
            });
            assertThat(serial.readerAlive()).isTrue();
        }
    }

    @Test
    void aSilentOrMisconfiguredMeterFailsReadsAfterAWhileSayingWhatArrived() throws Exception {
        Path log = Files.createFile(tmp.resolve("meter.log"));
        PowerSession session = open(log);
        try {
            assertThat(session.read(T0)).isEmpty();
            append(log, "#h,-,18,W,V,A;\n");
            clock.advance(Duration.ofSeconds(6));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> session.read(clock.instant())).isInstanceOf(PowerSourceException.class)
                            .hasMessage("no reading from " + log + " since " + T0 + " (opened); 1 line(s) were not "
                                    + "Watts Up? PRO #d records, the last: '#h,-,18,W,V,A;'"));
        } finally {
            session.close();
        }
        assertThat(((SerialLineSession) session).readerAlive()).isFalse();
        session.close(); // a second close is harmless
    }

    @Test
    void aMissingPortFailsAtOpen() {
        assertThatThrownBy(() -> open(tmp.resolve("ttyUSB9"))).isInstanceOf(PowerSourceException.class)
                .hasMessageContaining(tmp.resolve("ttyUSB9").toString());
    }

    /**
     * A real tty through jSerialComm: python3 holds a pseudo-terminal, prints the name of its
     * slave side, forwards our lines to it and reports what the source wrote (the logging command).
     */
    @Test
    void wattsUpThroughAPseudoTerminalWithJSerialComm() throws Exception {
        String script = String.join("\n",
                "import os, sys, select, tty",
                "m, s = os.openpty()",
                "tty.setraw(s)",
                "print(os.ttyname(s), flush=True)",
                "while True:",
                "    r, _, _ = select.select([sys.stdin, m], [], [], 30)",
                "    if not r: break",
                "    if sys.stdin in r:",
                "        line = sys.stdin.readline()",
                "        if not line: break",
                "        os.write(m, line.encode())",
                "    if m in r:",
                "        try: data = os.read(m, 1024)",
                "        except OSError: break",
                "        print('GOT:' + data.decode(errors='replace'), flush=True)",
                "");
        Process python;
        try {
            python = new ProcessBuilder("python3", "-c", script).start();
        } catch (IOException e) {
            assumeTrue(false, "no python3 here: " + e.getMessage());
            return;
        }
        try (BufferedReader out = new BufferedReader(new InputStreamReader(python.getInputStream(),
                StandardCharsets.UTF_8)); Writer in = python.outputWriter(StandardCharsets.US_ASCII)) {
            String tty = out.readLine();
            assumeTrue(tty != null && tty.startsWith("/dev/"), "python3 could not open a pty");
            List<String> got = new CopyOnWriteArrayList<>();
            Thread drain = new Thread(() -> out.lines().forEach(got::add), "pty-drain");
            drain.setDaemon(true);
            drain.start();
            try (PowerSession session = open(Path.of(tty))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> String.join("", got).contains("#L,W,3,E,,1;"));
                in.write(RECORD_1 + "\n");
                in.flush();
                PowerReading r = awaitReadings(session, T0).get(0);
                assertThat(r.powerWatts()).hasValue(123.4);
                assertThat(r.energyUj()).hasValue(20_160_000_000L);
            }
        } finally {
            python.destroy();
            python.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
