/**
 * Models on the OpenCL backend: {@link org.visualchat.opencl.models.OpenClLlama} (LLaMA prefill and
 * KV-cache decode, a {@link org.visualchat.llama.model.CausalLm} that {@code Generator} drives) and the
 * CLIP vision encoder. Depends on both the models and the device so that llama/ and vision/ keep
 * depending on the JDK alone.
 */
package org.visualchat.opencl.models;
