package dev.ampwatch.trainer.model;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One convolution layer of a {@link ModelSpec}: {@code channels} filters of {@code kernel x kernel} over every input
 * channel, moved by {@code stride}, with zero padding {@code kernel / 2} on every side ("same" size at stride 1, half
 * at stride 2) and a ReLU after it. Written {@code c<channels>k<kernel>s<stride>}, e.g. {@code c32k3s2}
 * ({@code s1} may be left out), as in RunConfig's text form and on the command line.
 *
 * <p>Immutable and thread-safe.
 */
public record ConvLayer(int channels, int kernel, int stride) {
    private static final Pattern TEXT = Pattern.compile("c(\\d{1,6})k(\\d{1,3})(?:s(\\d{1,3}))?");

    public ConvLayer {
        if (channels < 1 || kernel < 1 || stride < 1) {
            throw new IllegalArgumentException("a convolution needs >= 1 channel, kernel and stride: c" + channels + "k"
                    + kernel + "s" + stride);
        }
    }

    /** Zero padding on each side: {@code kernel / 2}. */
    public int padding() {
        return kernel / 2;
    }

    /** The output side for an input side: {@code (side + 2 padding - kernel) / stride + 1}. */
    public int outputSide(int side) {
        return (side + 2 * padding() - kernel) / stride + 1;
    }

    /** {@code c32k3s2}. */
    @Override
    public String toString() {
        return "c" + channels + "k" + kernel + "s" + stride;
    }

    /** Parses {@code c32k3s2} (or {@code c32k3}: stride 1); the message says what is expected. */
    public static ConvLayer parse(String text) {
        Matcher m = TEXT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("convolution layer '" + text
                    + "': expected c<channels>k<kernel>s<stride>, e.g. c32k3s1 or c64k3s2");
        }
        return new ConvLayer(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 1 : Integer.parseInt(m.group(3)));
    }

    /** Parses a comma-separated list, e.g. {@code c32k3s1,c64k3s2}; blank gives no layers. */
    public static List<ConvLayer> parseList(String text) {
        List<ConvLayer> layers = new ArrayList<>();
        if (text != null && !text.isBlank()) {
            for (String part : text.split(",")) {
                layers.add(parse(part));
            }
        }
        return List.copyOf(layers);
    }

    /** The layers as {@code c32k3s1,c64k3s2}; empty for none. */
    public static String text(List<ConvLayer> layers) {
        return layers.stream().map(ConvLayer::toString).collect(Collectors.joining(","));
    }
}
