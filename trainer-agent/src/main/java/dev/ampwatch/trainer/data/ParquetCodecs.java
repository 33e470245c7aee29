package dev.ampwatch.trainer.data;

import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Page decompression for reading Parquet without Hadoop: parquet-hadoop's own codec factory goes through Hadoop's
 * {@code Configuration} and codecs, whose dependencies ampwatch does not carry. Snappy, ZSTD and LZ4 (raw) come
 * from aircompressor (pure Java, a parquet-hadoop dependency), GZIP from {@code java.util.zip}; LZO, Brotli and
 * Hadoop's framed LZ4 are refused with the codec's name. Read-only. Stateless and thread-safe.
 */
final class ParquetCodecs implements CompressionCodecFactory {

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Pages(codec, null);
            case SNAPPY -> new Pages(codec, new SnappyDecompressor());
            case ZSTD -> new Pages(codec, new ZstdDecompressor());
            case LZ4_RAW -> new Pages(codec, new Lz4Decompressor());
            case GZIP -> new Pages(codec, null);
            default -> throw new UnsupportedOperationException("Parquet pages compressed with " + codec
                    + " cannot be read here (SNAPPY, ZSTD, GZIP, LZ4_RAW or none can)");
        };
    }

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        throw new UnsupportedOperationException("ampwatch reads Parquet, it does not write it");
    }

    @Override
    public void release() {}

    private record Pages(CompressionCodecName codec, Decompressor decompressor) implements BytesInputDecompressor {
        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            if (codec == CompressionCodecName.UNCOMPRESSED) {
                return bytes;
            }
            byte[] in = bytes.toByteArray();
            byte[] out = new byte[uncompressedSize];
            int n;
            if (codec == CompressionCodecName.GZIP) {
                try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(in))) {
                    n = gzip.readNBytes(out, 0, uncompressedSize);
                }
            } else {
                try {
                    n = decompressor.decompress(in, 0, in.length, out, 0, uncompressedSize);
                } catch (RuntimeException e) { // aircompressor's MalformedInputException
                    throw new IOException("a " + codec + " page is corrupt: " + e.getMessage(), e);
                }
            }
            if (n != uncompressedSize) {
                throw new IOException("a " + codec + " page gave " + n + " bytes, its header says " + uncompressedSize);
            }
            return BytesInput.from(out);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] in = new byte[compressedSize];
            input.duplicate().get(in);
            output.put(decompress(BytesInput.from(in), uncompressedSize).toByteArray());
        }

        @Override
        public void release() {}
    }
}
