package org.visualchat.tensor.io;

import java.util.Arrays;
import org.visualchat.tensor.DType;
import org.visualchat.tensor.Shapes;

/**
 * Where one tensor lives in a file: its dtype, row-major shape (outermost first, as torch prints it)
 * and its byte range relative to the start of the file's data section.
 */
public record TensorInfo(String name, DType dtype, int[] shape, long offset, long byteSize) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }

    public long numel() { return Shapes.numel(shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape) + " @" + offset + "+" + byteSize;
    }
}
