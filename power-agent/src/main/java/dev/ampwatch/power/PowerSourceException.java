package dev.ampwatch.power;

/** A power source could not be opened or read; the message is meant for the user. */
public class PowerSourceException extends Exception {
    private static final long serialVersionUID = 1L;

    public PowerSourceException(String message) {
        super(message);
    }

    public PowerSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
