package org.visualchat.mmca.demo.world;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The symbolic content of one image: one to four shapes, at most one per {@link Cell}, kept in cell order
 * (top left, top right, bottom left, bottom right) so that equal scenes are equal records and descriptions
 * list shapes in reading order.
 */
public record Scene(List<Shape> shapes) {
    public Scene {
        if (shapes.isEmpty() || shapes.size() > Cell.values().length) {
            throw new IllegalArgumentException("a scene holds 1 to 4 shapes, got " + shapes.size());
        }
        EnumSet<Cell> used = EnumSet.noneOf(Cell.class);
        for (Shape s : shapes) {
            if (!used.add(s.cell())) throw new IllegalArgumentException("two shapes at the " + s.cell().words());
        }
        List<Shape> sorted = new ArrayList<>(shapes);
        sorted.sort(Comparator.comparing(Shape::cell));
        shapes = List.copyOf(sorted);
    }

    public long count(ShapeColour colour) {
        return shapes.stream().filter(s -> s.colour() == colour).count();
    }

    public long count(ShapeKind kind) {
        return shapes.stream().filter(s -> s.kind() == kind).count();
    }

    /** The shape of this kind when there is exactly one, the only case in which "the circle" is well defined. */
    public Optional<Shape> only(ShapeKind kind) {
        List<Shape> matching = shapes.stream().filter(s -> s.kind() == kind).toList();
        return matching.size() == 1 ? Optional.of(matching.getFirst()) : Optional.empty();
    }

    public Optional<Shape> at(Cell cell) {
        return shapes.stream().filter(s -> s.cell() == cell).findFirst();
    }

    /** "a large red circle at the top left and a small blue square at the bottom right", in cell order. */
    public String describe() {
        return String.join(" and ", shapes.stream().map(Shape::describe).toList());
    }
}
