package dev.ampwatch.power.wattmeter;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;
import com.fazecast.jSerialComm.SerialPortTimeoutException;
import dev.ampwatch.power.PowerSourceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A real serial port through jSerialComm: 8 data bits, no parity, one stop bit, reads that return
 * after at most half a second without data. Kept in its own class so that jSerialComm is loaded
 * only when a real port is opened.
 */
final class SerialPortChannel implements LineChannel {

    private static final int READ_TIMEOUT_MS = 500;

    private final SerialPort port;
    private final InputStream in;
    private final OutputStream out;
    private final String description;

    private SerialPortChannel(SerialPort port, String description) {
        this.port = port;
        this.in = port.getInputStream();
        this.out = port.getOutputStream();
        this.description = description;
    }

    static SerialPortChannel open(String name, int baud) throws PowerSourceException {
        SerialPort port;
        try {
            port = SerialPort.getCommPort(name);
        } catch (SerialPortInvalidPortException e) {
            throw new PowerSourceException("serial port " + name + " not found: " + e.getMessage(), e);
        }
        port.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, READ_TIMEOUT_MS, 0);
        if (!port.openPort()) {
            throw new PowerSourceException("cannot open serial port " + name + " (error " + port.getLastErrorCode()
                    + " at " + port.getLastErrorLocation() + "; on Linux the user needs to be in the group "
                    + "that owns the device, usually dialout)");
        }
        return new SerialPortChannel(port, "serial port " + name + " at " + baud + " baud");
    }

    @Override
    public int read(byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (SerialPortTimeoutException e) {
            return 0;
        }
    }

    @Override
    public void write(String command) throws IOException {
        out.write(command.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        port.closePort();
    }
}
