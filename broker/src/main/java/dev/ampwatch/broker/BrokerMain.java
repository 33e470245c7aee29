package dev.ampwatch.broker;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Entry point of a broker child process: starts a broker, prints {@value #READY} and its bootstrap
 * address on stdout, and stops when its stdin closes, so it never outlives the parent that started it.
 * Arguments: data directory, bind host, port (0 = pick).
 */
public final class BrokerMain {
    static final String READY = "AMPWATCH-BROKER-READY";

    private BrokerMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: BrokerMain <data-dir> <host> <port>");
            System.exit(2);
        }
        InProcessBroker broker;
        try {
            broker = InProcessBroker.start(Path.of(args[0]), args[1], Integer.parseInt(args[2]));
        } catch (RuntimeException e) {
            System.err.println("broker failed to start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        System.out.println(READY + " " + broker.bootstrapServers());
        System.out.flush();
        // block until the parent closes our stdin (or dies, which closes it too)
        while (System.in.read() >= 0) {
            // the parent writes nothing; anything read is ignored
        }
        broker.close();
        System.exit(0);
    }
}
