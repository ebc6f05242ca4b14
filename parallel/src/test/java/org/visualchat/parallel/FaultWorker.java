package org.visualchat.parallel;

/**
 * A worker process for the multi-process fault tests: joins the group from the launcher's environment and
 * runs large all-reduces until told to stop by a failure. Prints "ITER i" after each; on a group failure
 * prints "FAILED kind: message" and exits 3. The loop is bounded so a broken test cannot leave it running.
 */
public final class FaultWorker {
    private FaultWorker() {}

    public static void main(String[] args) {
        try (ProcessGroup pg = ProcessGroup.fromEnv()) {
            float[] buf = new float[1 << 20];
            for (int i = 0; i < 2000; i++) {
                pg.allReduce(buf, ReduceOp.SUM);
                System.out.println("ITER " + i);
            }
        } catch (DistributedException e) {
            System.out.println("FAILED " + e.kind() + ": " + e.getMessage());
            System.exit(3);
        }
    }
}
