package org.visualchat.opencl;

/**
 * Bump allocation inside one fixed-size device array (ggml-context style): tensors get an offset, and
 * a {@link OpenClBackend#scope() scope} hands back everything allocated inside it at once. Sizes are
 * ints because Aparapi buffers are Java arrays.
 */
final class DeviceArena {
    private final String name;
    private final String unit;
    private final int capacity;
    private int top;

    DeviceArena(String name, String unit, int start, int capacity) {
        this.name = name;
        this.unit = unit;
        this.top = start;
        this.capacity = capacity;
    }

    /** Whether a block of {@code size} units, aligned to {@code align}, still fits. */
    boolean fits(long size, int align) {
        return (top + (long) align - 1) / align * align + size <= capacity;
    }

    /** Offset of a fresh block of {@code size} units, aligned to {@code align} units. */
    int allocate(long size, int align) {
        long at = (top + (long) align - 1) / align * align;
        if (at + size > capacity) {
            throw new IllegalStateException("OpenCL " + name + " arena is full: " + size + " " + unit + " asked, "
                    + Math.max(0, capacity - at) + " of " + capacity + " free; open the backend with a larger "
                    + name + " capacity (OpenClBackend.Capacity) or release activations with scope()");
        }
        top = (int) (at + size);
        return (int) at;
    }

    int top() { return top; }

    void reset(int mark) { top = mark; }
}
