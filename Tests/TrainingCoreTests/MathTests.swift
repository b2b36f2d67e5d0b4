import Foundation
import Testing
@testable import TrainingCore

/// The core's own exp, tanh and log against the C library, in units in the last place.
@Suite struct MathTests {
    /// Distance in representable numbers between two finite values of the same sign.
    static func ulps(_ a: Double, _ b: Double) -> Double {
        abs(a - b) / max(a.ulp, b.ulp)
    }

    static func ulps(_ a: Float, _ b: Double) -> Double {
        abs(Double(a) - b) / Double(Float(b).ulp)
    }

    /// Deterministic sample points over [low, high], dense near zero.
    static func points(_ low: Double, _ high: Double, count: Int = 20000) -> [Double] {
        var random = RandomStream(seed: 1, purpose: .testData)
        return (0..<count).map { i in
            let u = random.nextUniform(low, high)
            return i % 4 == 0 ? u * 1e-3 : u
        }
    }

    @Test func doubleExp() {
        let worst = Self.points(-700, 700).map { Self.ulps(Double.exp($0), Foundation.exp($0)) }.max()!
        #expect(worst <= 2)
    }

    @Test func floatExp() {
        let worst = Self.points(-87, 88).map { Self.ulps(Float.exp(Float($0)), Foundation.exp(Double(Float($0)))) }.max()!
        #expect(worst <= 2)
    }

    @Test func doubleTanh() {
        let worst = Self.points(-25, 25).map { Self.ulps(Double.tanh($0), Foundation.tanh($0)) }.max()!
        #expect(worst <= 2)
        #expect(Double.tanh(0) == 0 && Double.tanh(30) == 1 && Double.tanh(-30) == -1)
    }

    @Test func floatTanh() {
        let worst = Self.points(-12, 12).map { Self.ulps(Float.tanh(Float($0)), Foundation.tanh(Double(Float($0)))) }.max()!
        #expect(worst <= 1.5)
        #expect(Float.tanh(0) == 0 && Float.tanh(15) == 1 && Float.tanh(-15) == -1)
    }

    @Test func logarithms() {
        let doubles = Self.points(1e-300, 1e300).map(abs).filter { $0 > 0 }
        #expect(doubles.map { Self.ulps(Double.log($0), Foundation.log($0)) }.max()! <= 4)
        let ones = Self.points(0.5, 2)
        #expect(ones.map { Self.ulps(Double.log($0), Foundation.log($0)) }.max()! <= 4)
        #expect(ones.map { Self.ulps(Float.log(Float($0)), Foundation.log(Double(Float($0)))) }.max()! <= 4)
        #expect(Double.log(1) == 0 && Double.log(0) == -.infinity && Double.log(-1).isNaN && Double.log(.infinity) == .infinity)
    }

    @Test func notANumberPropagates() {
        #expect(Double.exp(.nan).isNaN && Float.exp(.nan).isNaN)
        #expect(Double.tanh(.nan).isNaN && Float.tanh(.nan).isNaN)
        #expect(Double.log(.nan).isNaN && Float.log(.nan).isNaN)
        #expect(Double.sigmoid(.nan).isNaN)
    }

    @Test func lossPieces() {
        for z in [-40.0, -3, -1e-9, 0, 0.5, 7, 40] {
            let sigmoid = 1 / (1 + Foundation.exp(-z))
            #expect(abs(Double.sigmoid(z) - sigmoid) <= 4 * sigmoid.ulp)
            for y in [0.0, 1.0] {
                let bce = max(z, 0) - z * y + Foundation.log1p(Foundation.exp(-abs(z)))
                #expect(abs(Double.binaryCrossEntropy(logit: z, target: y) - bce) <= 4 * max(bce.ulp, 1e-300))
            }
        }
        #expect(Double.logOnePlus(1e-20) == 1e-20)
    }
}
