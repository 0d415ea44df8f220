# CUDA is optional. AUTO enables it when nvcc is found (on PATH, $CUDACXX, or
# the toolkit's standard prefix); nothing in the build requires it.

set(PF_CUDA "AUTO" CACHE STRING "CUDA kernels: AUTO (when nvcc is found), ON (required) or OFF")
set_property(CACHE PF_CUDA PROPERTY STRINGS AUTO ON OFF)
set(PF_HAVE_CUDA OFF)

if(NOT PF_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(PF_NVCC nvcc HINTS ENV CUDA_PATH PATHS /usr/local/cuda/bin PATH_SUFFIXES bin)
    if(PF_NVCC)
      set(CMAKE_CUDA_COMPILER "${PF_NVCC}" CACHE FILEPATH "CUDA compiler")
    endif()
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    set(PF_HAVE_CUDA ON)
  elseif(PF_CUDA STREQUAL "ON")
    message(FATAL_ERROR "PF_CUDA=ON but no working nvcc was found")
  endif()
endif()
