package dev.ampwatch.trainer.gpu;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;

import java.util.LinkedHashMap;
import java.util.Map;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.CUstream_flags;

/**
 * The kernels of a training step's forward and backward pass recorded once as a CUDA graph (driver API:
 * {@code cuStreamBeginCapture} ... {@code cuGraphInstantiate}) and replayed with one {@code cuGraphLaunch}: about 30
 * launches of a 3-layer MLP become one, which is what a small model on a data-centre GPU is bound by. Opt-in:
 * {@code -Dampwatch.gpu.graphs=true} or {@code AMPWATCH_GPU_GRAPHS=1}, read when a model is created.
 *
 * <p>A graph bakes in its kernels' arguments, so one is kept per batch size, loss scale and overflow check (the
 * arguments that change between steps; the learning rate and the optimizer's arguments belong to the update, which
 * stays outside the graph because the host decides after the step whether it runs). The copies in and out and the
 * overflow flag's reset stay on the legacy default stream; the graph runs on a blocking stream, which orders itself
 * with that stream, so the step's order is the ungraphed step's. At most {@value #MAX_GRAPHS} graphs are kept (loss
 * scaling halves the scale each skipped step at the start of a run): the oldest is dropped. {@link #invalidate()}
 * drops them all when the model's buffers are reallocated.
 */
final class StepGraphs implements AutoCloseable {
    static final int MAX_GRAPHS = 16;

    private record Key(int rows, float scale, boolean checkOverflow) {}

    private final CudaDevice dev;
    private final CUstream stream = new CUstream();
    private final Map<Key, CUgraphExec> graphs = new LinkedHashMap<>();
    private long captures;

    StepGraphs(CudaDevice dev) {
        this.dev = dev;
        check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate");
    }

    /** Whether models use graphs: {@code -Dampwatch.gpu.graphs=true} or {@code AMPWATCH_GPU_GRAPHS=1}. */
    static boolean enabled() {
        return Boolean.getBoolean("ampwatch.gpu.graphs") || "1".equals(System.getenv("AMPWATCH_GPU_GRAPHS"));
    }

    /**
     * Replays the graph of {@code body} for these arguments, recording it first if there is none: {@code body} queues
     * the step's kernels through {@link CudaDevice#launch} and nothing else (no copies, no synchronisation).
     */
    void run(int rows, float scale, boolean checkOverflow, Runnable body) {
        Key key = new Key(rows, scale, checkOverflow);
        CUgraphExec exec = graphs.get(key);
        if (exec == null) {
            if (graphs.size() >= MAX_GRAPHS) {
                Key oldest = graphs.keySet().iterator().next();
                cuGraphExecDestroy(graphs.remove(oldest));
            }
            exec = capture(body);
            graphs.put(key, exec);
        }
        check(cuGraphLaunch(exec, stream), "cuGraphLaunch");
    }

    private CUgraphExec capture(Runnable body) {
        check(cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "cuStreamBeginCapture");
        CUgraph graph = new CUgraph();
        dev.launchOn(stream);
        try {
            body.run();
        } catch (RuntimeException e) {
            dev.launchOn(null);
            if (cuStreamEndCapture(stream, graph) == CUresult.CUDA_SUCCESS) { // end the capture: the stream must be usable again
                cuGraphDestroy(graph);
            }
            throw e;
        }
        dev.launchOn(null);
        check(cuStreamEndCapture(stream, graph), "cuStreamEndCapture");
        CUgraphExec exec = new CUgraphExec();
        try {
            check(cuGraphInstantiate(exec, graph, 0L), "cuGraphInstantiate");
        } finally {
            cuGraphDestroy(graph);
        }
        captures++;
        return exec;
    }

    /** Graphs recorded so far (tests: a replay must not record again). */
    long captures() {
        return captures;
    }

    /** Drops every graph (the buffers they point at were reallocated). */
    void invalidate() {
        for (CUgraphExec exec : graphs.values()) {
            cuGraphExecDestroy(exec);
        }
        graphs.clear();
    }

    @Override
    public void close() {
        invalidate();
        cuStreamDestroy(stream);
    }

    private void check(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new GpuException(call + " failed on " + dev.name + ": " + CUresult.stringFor(result));
        }
    }
}
