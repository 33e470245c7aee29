package dev.ampwatch.power.rapl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads one small sysfs attribute file. An interface so that tests can inject failures (a
 * permission error cannot be produced with file modes when tests run as root). Implementations
 * must be thread-safe.
 */
@FunctionalInterface
public interface SysfsReader {

    /** The file's content, surrounding whitespace (the trailing newline) removed. */
    String read(Path file) throws IOException;

    /** Reads with {@link Files#readString}; a missing file is a {@code NoSuchFileException}. */
    static SysfsReader files() {
        return file -> Files.readString(file, StandardCharsets.US_ASCII).strip();
    }
}
