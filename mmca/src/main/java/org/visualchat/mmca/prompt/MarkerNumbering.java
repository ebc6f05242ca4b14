package org.visualchat.mmca.prompt;

/**
 * The two ways the original turns the {@code "### Image:"} placeholder into {@code "### Image N:"}
 * (deepspeed-visualchat.md §3.2). They can tokenize differently, so each dataset keeps the one its original
 * loader uses.
 */
public enum MarkerNumbering {
    /**
     * {@code VQADataset.merge_all_images} (llava, llava_dial, aokvqa, coco_caption, minigpt4, ocr_vqa, vqa): the
     * round is tokenized with the special {@code "### Image:"} token, whose first occurrence in each annotation is
     * then replaced by the ids of {@code "### Image N:"} tokenized on its own with its BOS dropped
     * ({@code DST.get_image_num_map}).
     */
    TOKEN_LEVEL,
    /**
     * {@code post_process_text_image_count} (otter_mimicit_*, llava_otter_blend, sparkles_dialogue, chat.py): the
     * text {@code "### Image:"} is replaced by {@code "### Image N:"} before tokenization.
     */
    TEXT_LEVEL
}
