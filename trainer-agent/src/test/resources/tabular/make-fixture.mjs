// Writes tabular.parquet, the fixture of TabularFileTest, with hyparquet-writer 0.17.0 (MIT; an implementation of
// Parquet independent of parquet-java). Rerun: npm install hyparquet-writer@0.17.0 && node make-fixture.mjs
import { parquetWriteFile } from 'hyparquet-writer'
import { gzipSync } from 'node:zlib'

const rows = 200
const i = Array.from({ length: rows }, (_, k) => k)
parquetWriteFile({
  filename: new URL('./tabular.parquet', import.meta.url).pathname,
  rowGroupSize: 64, // 4 row groups
  pageSize: 256, // several pages per column chunk
  compressors: { GZIP: bytes => gzipSync(bytes) },
  columnData: [
    { name: 'x1', data: i.map(k => k * 0.5), type: 'DOUBLE' },
    { name: 'x2', data: i.map(k => k % 7), type: 'INT32', codec: 'GZIP' },
    { name: 'x3', data: i.map(k => BigInt(k * 1000)), type: 'INT64', codec: 'UNCOMPRESSED' },
    { name: 'x4', data: i.map(k => (k % 10 === 9 ? null : k / 8)), type: 'FLOAT' },
    { name: 'flag', data: i.map(k => k % 2 === 0), type: 'BOOLEAN' },
    { name: 'animal', data: i.map(k => ['cat', 'dog', 'eel'][k % 3]), type: 'STRING' },
    { name: 'y', data: i.map(k => 3 * (k * 0.5) - 2 * (k % 7) + 0.25), type: 'DOUBLE' },
  ],
})
