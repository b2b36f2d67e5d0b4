/// A first-in, first-out queue of values in an array, with amortised O(1) pushes and pops.
struct IndexQueue<Element> {
    private var items: [Element] = []
    private var head = 0

    init(_ items: [Element] = []) { self.items = items }

    var count: Int { items.count - head }
    var isEmpty: Bool { head == items.count }

    mutating func push(_ item: Element) { items.append(item) }

    mutating func pop() -> Element? {
        guard head < items.count else { return nil }
        defer {
            head += 1
            // Drop the consumed prefix once it is most of the array.
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
        return items[head]
    }
}
