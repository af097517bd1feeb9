// Coverage counts src/ only: tests and helpers are not the product.
export default () => ['src/**/*.ts'];
