package org.visualchat.mmca.data;

import java.util.random.RandomGenerator;

/**
 * A dataset of conversations, rendered on demand. Rendering may draw random choices (a caption instruction, the
 * order of instructions, how many LLaVA conversations to blend in, ...), as the original's {@code __getitem__}
 * does; the caller passes the generator so that a (seed, epoch, index) triple always renders the same sample.
 */
public interface ConversationDataset {
    /** The original's {@code --dataset_names} value, e.g. {@code "llava"}. */
    String name();

    int size();

    /**
     * Item {@code index} (0-based).
     *
     * @throws BadSampleException when the annotation is malformed ({@link SkipReason#MALFORMED_ANNOTATION})
     */
    Conversation get(int index, RandomGenerator random) throws BadSampleException;
}
