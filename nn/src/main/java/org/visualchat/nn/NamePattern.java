package org.visualchat.nn;

import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A predicate over dotted parameter/module names ({@code model.layers.0.self_attn.q_proj.weight}).
 * <ul>
 *   <li>{@link #glob}: whole-name match; {@code *} matches within one dotted segment, {@code **} across
 *       segments ({@code model.layers.*.self_attn.*_proj.weight}, {@code vision.**}).</li>
 *   <li>{@link #regex}: Java regex, whole-name match.</li>
 *   <li>{@link #contains}: substring, the reference's LoRA filter semantics ({@code "model.layers."}).</li>
 * </ul>
 */
public final class NamePattern implements Predicate<String> {
    private final Pattern pattern;
    private final String description;

    private NamePattern(Pattern pattern, String description) {
        this.pattern = pattern;
        this.description = description;
    }

    public static NamePattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                re.append(".*");
                i++;
            } else if (c == '*') {
                re.append("[^.]*");
            } else if (c == '?') {
                re.append("[^.]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return new NamePattern(Pattern.compile(re.toString()), "glob " + glob);
    }

    public static NamePattern regex(String regex) {
        return new NamePattern(Pattern.compile(regex), "regex " + regex);
    }

    public static NamePattern contains(String substring) {
        return new NamePattern(Pattern.compile(".*" + Pattern.quote(substring) + ".*", Pattern.DOTALL), "contains " + substring);
    }

    @Override
    public boolean test(String name) {
        return pattern.matcher(name).matches();
    }

    @Override
    public String toString() {
        return description;
    }
}
