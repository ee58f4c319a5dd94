/// Regression losses, averaged over all elements.

/// Mean squared error.
public func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    square(prediction - target).mean()
}

/// Smooth L1 (Huber with slope 1): ½d²/β where |d| < β, else |d| − ½β; the EBT's reconstruction
/// loss. The elementwise part is one kernel whose derivative clamp(d, −β, β)/β is in ops, so the
/// second derivative (1/β inside, 0 outside) comes out exact.
public func smoothL1Loss(_ prediction: Tensor, _ target: Tensor, beta: Float = 1) -> Tensor {
    smoothL1(prediction - target, beta: beta).mean()
}

func smoothL1(_ d: Tensor, beta: Float) -> Tensor {
    let betaVector = Vector(repeating: beta)
    let forward = d.mapped { v in
        let magnitude = VectorMath.maximum(v, -v)
        let quadratic = v * v * (0.5 / beta)
        return quadratic.replacing(with: magnitude - 0.5 * beta, where: magnitude .>= betaVector)
    }
    return Tensor.record(forward, [d]) { [{ g, _ in g * clamp(d, min: -beta, max: beta) * (1 / beta) }] }
}
