//! `_View`: an array revealed bar by bar. backtesting.py re-slices every
//! indicator before each `next()`; a view instead reads the length from a
//! clock the run loop advances, so a bar costs nothing per indicator and
//! `view[-1]` is always the current bar.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use numpy::{PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyEllipsis, PyFloat, PyInt, PySlice, PyTuple};

/// How many bars are revealed; shared by a run's views and its loop.
#[pyclass(module = "axon_quant._native", name = "_Clock", frozen)]
#[derive(Debug, Clone, Default)]
pub struct Clock {
    pub(crate) len: Arc<AtomicUsize>,
}

impl Clock {
    pub(crate) fn set(&self, len: usize) {
        self.len.store(len, Ordering::Relaxed);
    }
}

#[pymethods]
impl Clock {
    #[new]
    fn new(len: usize) -> Self {
        Self {
            len: Arc::new(AtomicUsize::new(len)),
        }
    }

    /// The number of bars revealed.
    #[getter]
    fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    #[setter(len)]
    fn set_len(&self, len: usize) {
        self.set(len);
    }
}

/// A 1-D or 2-D array whose last axis is revealed up to the clock's length;
/// detached from its clock, it shows the whole array.
#[pyclass(module = "axon_quant._native", name = "_View", subclass)]
#[derive(Debug)]
pub struct View {
    /// The full array (a numpy array, last axis = bars).
    array: Py<PyAny>,
    /// Bars in the full array.
    full: usize,
    ndim: usize,
    /// The same array when it is 1-D float64, for reads without numpy.
    floats: Option<Py<PyArray1<f64>>>,
    clock: Option<Arc<AtomicUsize>>,
}

impl View {
    /// The last two revealed values, when the array is 1-D float64 and
    /// has at least two.
    fn last_two(&self, py: Python<'_>) -> Option<(f64, f64)> {
        let floats = self.floats.as_ref()?.bind(py);
        let n = self.revealed();
        if n < 2 {
            return None;
        }
        Some((floats.get_owned([n - 2])?, floats.get_owned([n - 1])?))
    }

    fn revealed(&self) -> usize {
        self.clock
            .as_ref()
            .map_or(self.full, |c| c.load(Ordering::Relaxed).min(self.full))
    }
}

#[pymethods]
impl View {
    #[new]
    #[pyo3(signature = (array, clock=None, *_args, **_kwargs))]
    fn new(
        array: Bound<'_, PyAny>,
        clock: Option<&Clock>,
        _args: &Bound<'_, PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<Self> {
        let shape: Vec<usize> = array.getattr("shape")?.extract()?;
        let (ndim, full) = match shape.as_slice() {
            [n] => (1, *n),
            [_, n] => (2, *n),
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "a view needs a 1-D or 2-D array; got shape {shape:?}"
                )));
            }
        };
        let floats = array
            .cast::<PyArray1<f64>>()
            .ok()
            .filter(|a| a.is_contiguous())
            .map(|a| a.clone().unbind());
        Ok(Self {
            array: array.unbind(),
            full,
            ndim,
            floats,
            clock: clock.map(|c| c.len.clone()),
        })
    }

    /// Follows `clock` from now on (`None`: shows the whole array).
    fn _attach(&mut self, clock: Option<&Clock>) {
        self.clock = clock.map(|c| c.len.clone());
    }

    /// The full array, whatever the clock says.
    #[getter]
    fn _full<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.array.bind(py).clone()
    }

    /// The revealed part as a numpy array (a view, not a copy).
    fn _revealed<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let array = self.array.bind(py);
        let n = self.revealed();
        if n == self.full {
            return Ok(array.clone());
        }
        let cut = PySlice::new(py, 0, n as isize, 1);
        if self.ndim == 1 {
            array.get_item(cut)
        } else {
            array.get_item(PyTuple::new(
                py,
                [PyEllipsis::get(py).as_any(), cut.as_any()],
            )?)
        }
    }

    /// `crossover(self, other)` for float views and numbers, read without
    /// creating numpy scalars: `self[-2] < other[-2] and self[-1] >
    /// other[-1]` (NaN compares false; fewer than two values: false).
    /// `None` where it does not apply (other dtypes, other types).
    fn _crossover(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> Option<bool> {
        self.floats.as_ref()?;
        let (b2, b1) = if let Ok(v) = other.cast::<View>() {
            let v = v.borrow();
            v.floats.as_ref()?;
            match v.last_two(py) {
                Some(x) => x,
                None => return Some(false),
            }
        } else if other.is_instance_of::<PyFloat>() || other.is_instance_of::<PyInt>() {
            let x: f64 = other.extract().ok()?;
            (x, x)
        } else {
            return None;
        };
        let Some((a2, a1)) = self.last_two(py) else {
            return Some(false);
        };
        Some(a2 < b2 && a1 > b1)
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        if self.ndim == 1 {
            Ok(self.revealed())
        } else {
            self.array.bind(py).len()
        }
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // The hot path: `x[-1]` on a 1-D view, read from the full array.
        if self.ndim == 1
            && let Ok(i) = key.extract::<isize>()
        {
            let n = self.revealed() as isize;
            let at = if i < 0 { n + i } else { i };
            if at < 0 || at >= n {
                return Err(PyIndexError::new_err(format!(
                    "index {i} is out of bounds for axis 0 with size {n}"
                )));
            }
            return self.array.bind(py).get_item(at);
        }
        self._revealed(py)?.get_item(key)
    }

    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let revealed = self._revealed(py)?;
        let np = py.import("numpy")?;
        if copy == Some(true) {
            return np.call_method1("array", (revealed, dtype));
        }
        np.call_method1("asarray", (revealed, dtype))
    }
}
