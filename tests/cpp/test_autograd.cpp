#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "arrax/arrax.h"

using namespace arrax;

namespace {

Array vec(std::vector<double> v) {
  Array a = Array::empty({static_cast<int64_t>(v.size())}, Dtype::Float64,
                         Device::cpu());
  std::copy(v.begin(), v.end(), a.data<double>());
  return a;
}

}  // namespace

TEST(Autograd, BackwardAccumulatesIntoLeaves) {
  Array x = vec({1.0, 2.0, 3.0});
  set_requires_grad(x, true);
  Array y = sum(exp(x) * x);
  Array outs[1] = {y};
  backward(outs, {});
  Array g = grad_of(x);
  ASSERT_TRUE(g.valid());
  for (int i = 0; i < 3; ++i) {
    double v = i + 1.0;
    EXPECT_NEAR(g.data<double>()[i], std::exp(v) * (1 + v), 1e-12);
  }
}

TEST(Autograd, NothingRecordedWithoutGrad) {
  Array x = vec({1.0, 2.0});
  Array y = x * 2.0;
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(y.autograd(), nullptr);
  set_requires_grad(x, true);
  {
    NoGradGuard ng;
    EXPECT_FALSE((x * 2.0).requires_grad());
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
}

TEST(Autograd, GradOfViewsAndSecondOrder) {
  Array x = vec({1.0, 2.0, 3.0, 4.0});
  set_requires_grad(x, true);
  Array m = reshape(x, {2, 2});
  Array y = sum(transpose(m) * transpose(m) * transpose(m));
  Array outs[1] = {y};
  Array ins[1] = {x};
  BackwardOptions o;
  o.create_graph = true;
  Array g = grad(outs, {}, ins, o)[0];  // 3 x^2
  Array outs2[1] = {sum(g)};
  Array h = grad(outs2, {}, ins)[0];  // 6 x
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(g.data<double>()[i], 3 * (i + 1.0) * (i + 1.0), 1e-12);
    EXPECT_NEAR(h.data<double>()[i], 6 * (i + 1.0), 1e-12);
  }
}

TEST(Autograd, InPlaceOnSavedArrayRaises) {
  Array x = vec({1.0, 2.0});
  set_requires_grad(x, true);
  Array y = exp(x);
  Array in[2] = {y, weak_scalar(1.0)};
  Array out[1] = {y};
  UfuncOptions uo;
  uo.out = out;
  apply_ufunc(UfuncId::add, in, uo);
  Array outs[1] = {sum(y)};
  EXPECT_THROW(backward(outs, {}), ValueError);
  Array xs[2] = {x, weak_scalar(1.0)};
  Array xo[1] = {x};
  UfuncOptions xu;
  xu.out = xo;
  EXPECT_THROW(apply_ufunc(UfuncId::add, xs, xu), ValueError);
}
