package org.visualchat.opencl;

import com.aparapi.device.OpenCLDevice;

import java.util.List;
import java.util.Locale;

/**
 * Finds OpenCL devices and resolves a device setting ({@code opencl} = the first device,
 * {@code opencl:N} = device N in the order {@link #list()} prints). An absent device is a clear error
 * that lists what is there, because "it silently ran on the CPU" is the failure mode Aparapi invites.
 */
public final class OpenClDevices {
    private OpenClDevices() {}

    /** Every OpenCL device of every platform, in platform then device order (empty without OpenCL). */
    public static List<OpenCLDevice> list() {
        return OpenCLDevice.listDevices(null);
    }

    /** Resolves {@code opencl} or {@code opencl:N}. */
    public static OpenCLDevice select(String setting) {
        int index = parseIndex(setting);
        List<OpenCLDevice> devices = list();
        if (index >= devices.size()) {
            String what = devices.isEmpty()
                    ? "no OpenCL device was found (is an ICD installed? On Debian: apt-get install ocl-icd-libopencl1 pocl-opencl-icd, or the GPU vendor's driver)"
                    : "only " + devices.size() + " OpenCL device(s) exist:\n" + describeAll(devices);
            throw new IllegalArgumentException("device '" + setting + "' asks for OpenCL device " + index + ", but " + what);
        }
        return devices.get(index);
    }

    static int parseIndex(String setting) {
        String s = setting == null ? "" : setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals("opencl")) return 0;
        if (s.startsWith("opencl:")) {
            try {
                int index = Integer.parseInt(s.substring("opencl:".length()));
                if (index >= 0) return index;
            } catch (NumberFormatException ignored) {
                // falls through to the error below, which names the bad value
            }
        }
        throw new IllegalArgumentException("bad OpenCL device setting '" + setting + "': expected 'opencl' or 'opencl:N' with N >= 0");
    }

    /** One line per device: index, name, vendor, type, compute units, global/local memory. */
    public static String describeAll(List<OpenCLDevice> devices) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < devices.size(); i++) sb.append("  opencl:").append(i).append("  ").append(describe(devices.get(i))).append('\n');
        return sb.toString();
    }

    public static String describe(OpenCLDevice d) {
        return String.format(Locale.ROOT, "%s (vendor %s, %s, %d compute units, %d MiB global, %d KiB local memory)",
                d.getName(), d.getOpenCLPlatform().getVendor(), d.getType(), d.getMaxComputeUnits(),
                d.getGlobalMemSize() >> 20, d.getLocalMemSize() >> 10);
    }
}
